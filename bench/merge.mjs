#!/usr/bin/env node
/**
 * Merge throughput against `cat` of the same bytes, measured in the same run, rounds alternating.
 *
 *   npm run bench:merge -- [--shape mixed|embedding] [--files 16] [--rows 20000] [--repeat 3]
 *                          [--verify headers|pages] [--dir /tmp/x]
 *
 * Generates N snappy chunk files as a committed run: `mixed` (int64 index, ~200-char text,
 * float64, bool, nullable string, list<float>[128] embedding) or `embedding` (int64 index and a
 * list<float>[128] of random floats, which snappy cannot shrink: real activations). Then times
 * `merge-chunks --all` (which fsyncs and checks every index) against `cat` of the chunk files
 * into one file, with and without an fsync, and reports the merge's peak RSS.
 * `npm run bench:merge:embedding` is the embedding shape at 4 files of 50,000 rows.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ParquetWriter } from 'hyparquet-writer';
import { fileWriter } from 'hyparquet-writer';
import { commitBenchChunk, dist, duckdbBaseline, measureProcess, median, option, scratchDir, startBenchRun } from './bench-support.mjs';

const mergeBin = path.join(dist, 'merge', 'main.js');

const shape = option('shape', 'mixed');
const verify = option('verify', 'headers');
const files = Number(option('files', '16'));
const rows = Number(option('rows', '20000'));
const repeat = Number(option('repeat', '3'));
const { dir: root, cleanup } = scratchDir('chunkrun-bench-');
const outputDir = path.join(root, 'run');

const SCHEMA = [
  { name: 'schema', num_children: 6 },
  { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'flag', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
  { name: 'note', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
];
const EMBEDDING_SCHEMA = [SCHEMA[0], SCHEMA[1], ...SCHEMA.slice(6)].map((element, i) =>
  i === 0 ? { ...element, num_children: 2 } : element,
);
const WORDS = ['attention', 'gradient', 'token', 'residual', 'sparse', 'feature', 'layer', 'probe', 'logit', 'prompt', 'sample', 'decoder'];

function chunkFile(file, start, count) {
  let seed = start + 1;
  // mulberry32: deterministic, and random enough that embeddings do not compress.
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const index = [],
    text = [],
    score = [],
    flag = [],
    note = [],
    embedding = [];
  for (let i = 0; i < count; i++) {
    index.push(BigInt(start + i));
    if (shape === 'embedding') {
      embedding.push(Array.from({ length: 128 }, () => random() * 2 - 1));
      continue;
    }
    let sentence = '';
    while (sentence.length < 200) sentence += `${WORDS[Math.floor(random() * WORDS.length)]} `;
    text.push(sentence.slice(0, 200));
    score.push(random());
    flag.push(random() > 0.5);
    note.push(i % 3 === 0 ? `note ${start + i}` : null);
    embedding.push(Array.from({ length: 128 }, () => random() * 2 - 1));
  }
  const embeddingOnly = shape === 'embedding';
  const writer = new ParquetWriter({ writer: fileWriter(file), schema: embeddingOnly ? EMBEDDING_SCHEMA : SCHEMA, codec: 'SNAPPY' });
  writer.write({
    columnData: embeddingOnly
      ? [
          { name: 'index', data: index },
          { name: 'embedding', data: embedding },
        ]
      : [
          { name: 'index', data: index },
          { name: 'text', data: text },
          { name: 'score', data: score },
          { name: 'flag', data: flag },
          { name: 'note', data: note },
          { name: 'embedding', data: embedding },
        ],
    rowGroupSize: count,
  });
  writer.finish();
}

function generate() {
  const width = startBenchRun(outputDir, { end: files * rows - 1, frequency: rows, outputs: ['*.parquet'], phase: '1' });
  const dataFiles = [];
  for (let n = 0; n < files; n++) {
    const range = { start: n * rows, end: n * rows + rows - 1 };
    const { file } = commitBenchChunk(outputDir, {
      range,
      device: `gpu${n % 4}`,
      width,
      fileName: 'dataset_bench.parquet',
      rows,
      write: (file) => {
        chunkFile(file, range.start, rows);
        return statSync(file).size;
      },
    });
    dataFiles.push(file);
  }
  return dataFiles;
}

function timed(command, args) {
  const started = performance.now();
  execFileSync(command, args, { stdio: 'ignore' });
  return performance.now() - started;
}

console.log(`generating ${files} chunk files of ${rows} rows in ${outputDir} ...`);
const dataFiles = generate();
const bytes = dataFiles.reduce((sum, file) => sum + statSync(file).size, 0);
const catTarget = path.join(root, 'cat.out');
const quoted = dataFiles.map((file) => `'${file}'`).join(' ');
timed('sh', ['-c', `cat ${quoted} > /dev/null`]); // warm the page cache for both contenders

const cat = [],
  catSync = [],
  merge = [];
const duckdb = duckdbBaseline(root, 'parquet');
let last;
for (let round = 0; round < repeat; round++) {
  cat.push(timed('sh', ['-c', `cat ${quoted} > '${catTarget}'`]));
  rmSync(catTarget);
  catSync.push(timed('sh', ['-c', `cat ${quoted} > '${catTarget}' && sync '${catTarget}'`]));
  rmSync(catTarget);
  // The merge-chunks process, start to exit, as `cat` is timed: node's start and imports count.
  const merged = measureProcess(process.execPath, [mergeBin, '--output-dir', outputDir, '--all', '--verify', verify]);
  merge.push(merged.ms);
  const [, rowsText, pathText] = /(\d+) rows {2}\((\w+) path\)/.exec(merged.stdout) ?? [];
  last = { rows: Number(rowsText), path: pathText, maxRssMb: merged.rssMb };
  duckdb.round([{ files: dataFiles, target: path.join(root, 'duckdb.parquet'), rows: files * rows }]);
  for (const name of readdirSync(outputDir)) if (name.startsWith('dataset_')) rmSync(path.join(outputDir, name));
}

const mb = bytes / 1e6;
const duckdbReport = duckdb.report(median(merge));
const report = {
  shape,
  verify,
  files,
  rowsPerFile: rows,
  inputMB: Number(mb.toFixed(1)),
  catMs: Math.round(median(cat)),
  catFsyncMs: Math.round(median(catSync)),
  mergeMs: Math.round(median(merge)),
  mergeMBps: Math.round(mb / (median(merge) / 1000)),
  ratioToCat: Number((median(merge) / median(cat)).toFixed(2)),
  ratioToCatFsync: Number((median(merge) / median(catSync)).toFixed(2)),
  mergePeakRssMB: Math.round(last.maxRssMb),
  path: last.path,
  ...duckdbReport.figures,
};
console.log(
  `merged ${last.rows} rows, ${report.inputMB} MB (${shape}), by the ${report.path} path, --verify ${verify} (median of ${repeat})`,
);
console.log(`cat:           ${report.catMs} ms`);
console.log(`cat + fsync:   ${report.catFsyncMs} ms`);
console.log(`merge-chunks:  ${report.mergeMs} ms for the process (${report.mergeMBps} MB/s; fsync and index check included)`);
console.log(
  `time ratio:    ${report.ratioToCat}x cat, ${report.ratioToCatFsync}x cat+fsync (throughput: ${(1 / report.ratioToCatFsync).toFixed(2)}x cat+fsync's)`,
);
console.log(`peak RSS:      ${report.mergePeakRssMB} MB`);
for (const line of duckdbReport.lines) console.log(line);
console.log(JSON.stringify(report));
cleanup();
