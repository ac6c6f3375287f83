#!/usr/bin/env node
/**
 * JSONL conversion, linear in bytes whatever the row size. Two committed runs of JSONL chunks
 * (what the Python helper writes without pyarrow), each merged by `merge-chunks` (the whole
 * process, start to exit), rounds alternating, medians:
 *   - many rows: --files files of --rows rows of about 200 bytes (index, text, score, list of 8 floats);
 *   - huge rows: --big-files files of --big-rows rows of --big-mb MB each (a long text column).
 * Prints each case's MB/s and their ratio: near 1 when the conversion is linear in bytes.
 *
 *   npm run bench:merge:jsonl -- [--files 200] [--rows 5000] [--big-files 2] [--big-rows 5] [--big-mb 4] [--repeat 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dist, fmt, option, scratchDir } from './bench-support.mjs';

const { writeMarker } = await import(path.join(dist, 'core', 'marker.js'));
const { writeRunFile } = await import(path.join(dist, 'core', 'run-file.js'));
const { chunkDirFor } = await import(path.join(dist, 'core', 'layout.js'));
const { chunkName, nameWidthFor } = await import(path.join(dist, 'core', 'plan.js'));

const files = Number(option('files', '200'));
const rows = Number(option('rows', '5000'));
const bigFiles = Number(option('big-files', '2'));
const bigRows = Number(option('big-rows', '5'));
const bigMb = Number(option('big-mb', '4'));
const repeat = Number(option('repeat', '3'));
const { dir, cleanup } = scratchDir('chunkrun-bench-jsonl-');
const mergeBin = path.join(dist, 'merge', 'main.js');

function makeRun(outputDir, fileCount, rowsPerFile, line) {
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const end = fileCount * rowsPerFile - 1;
  writeRunFile(outputDir, {
    version: 1,
    createdAt: new Date().toISOString(),
    phase: 'bench',
    start: 0,
    end,
    checkpointFrequency: rowsPerFile,
    command: ['bench'],
    outputs: ['*.jsonl'],
    indexColumn: 'index',
  });
  const width = nameWidthFor(end);
  const now = new Date().toISOString();
  let bytes = 0;
  for (let n = 0; n < fileCount; n++) {
    const range = { start: n * rowsPerFile, end: n * rowsPerFile + rowsPerFile - 1 };
    const chunkDir = chunkDirFor(outputDir, 'cpu0', range, width);
    mkdirSync(chunkDir, { recursive: true });
    let content = '';
    for (let i = range.start; i <= range.end; i++) content += `${line(i)}\n`;
    writeFileSync(path.join(chunkDir, 'dataset_bench.jsonl'), content);
    const size = Buffer.byteLength(content);
    bytes += size;
    writeMarker(chunkDir, {
      version: 1,
      name: chunkName(range, width),
      ...range,
      device: 'cpu0',
      host: 'bench',
      attempt: 1,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      files: [{ path: 'dataset_bench.jsonl', bytes: size, rows: rowsPerFile }],
    });
  }
  return bytes;
}

const smallLine = (i) =>
  JSON.stringify({
    index: i,
    text: `sample ${i} of the benchmark, with a few words of text to look like real output`,
    score: i % 11 === 0 ? null : i / 7,
    embedding: Array.from({ length: 8 }, (_, k) => Math.round(Math.sin(i + k) * 1e6) / 1e6),
  });
const filler = 'a résumé of the layer '.repeat(Math.ceil((bigMb * 1e6) / 23)).slice(0, bigMb * 1e6);
const bigLine = (i) => JSON.stringify({ index: i, text: filler, score: i / 7 });

const cases = [
  { name: `${files} files x ${rows} rows`, outputDir: path.join(dir, 'small') },
  { name: `${bigFiles} files x ${bigRows} rows of ${bigMb} MB`, outputDir: path.join(dir, 'big') },
];
console.log(`generating JSONL chunks in ${dir} ...`);
cases[0].bytes = makeRun(cases[0].outputDir, files, rows, smallLine);
cases[1].bytes = makeRun(cases[1].outputDir, bigFiles, bigRows, bigLine);

function mergeOnce(outputDir) {
  for (const name of readdirSync(outputDir)) if (name.startsWith('dataset_')) rmSync(path.join(outputDir, name));
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, mergeBin, '--output-dir', outputDir], { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`merge-chunks failed: ${child.stderr}`);
  return { ms, rssMb: Number(child.stderr.trim().split('\n').pop()) / 1024 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const entry of cases) {
  entry.ms = [];
  entry.rss = 0;
}
for (let round = 0; round < repeat; round++) {
  for (const entry of cases) {
    const { ms, rssMb } = mergeOnce(entry.outputDir);
    entry.ms.push(ms);
    entry.rss = Math.max(entry.rss, rssMb);
  }
}
const report = cases.map((entry) => ({
  case: entry.name,
  inputMB: Number((entry.bytes / 1e6).toFixed(1)),
  mergeMs: Math.round(median(entry.ms)),
  MBps: Number((entry.bytes / 1e6 / (median(entry.ms) / 1000)).toFixed(1)),
  peakRssMB: Math.round(entry.rss),
}));
for (const entry of report)
  console.log(`${entry.case}: ${entry.inputMB} MB in ${fmt(entry.mergeMs / 1000)} s (${entry.MBps} MB/s), peak RSS ${entry.peakRssMB} MB`);
console.log(`throughput ratio, huge rows / small rows: ${fmt(report[1].MBps / report[0].MBps)} (near 1 or above: linear in bytes)`);
console.log('DuckDB read_json + COPY: not installable here (no npm or Debian package), not measured');
console.log(JSON.stringify(report));
cleanup();
