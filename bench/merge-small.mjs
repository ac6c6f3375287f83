#!/usr/bin/env node
/**
 * Many small chunks: N committed chunks of a few rows each (hyparquet-written snappy files:
 * int64 index, short text, nullable float64, list<float>[8]), merged into one file per device.
 * Measured in the same run, rounds alternating:
 *   - merge-chunks (the whole process: start to exit), with its peak RSS and the merged row groups;
 *   - a no-op rerun of the finished run (`launcher` with every chunk committed and the merged
 *     file in place) against the same launcher with `--no-merge`: the goal is <= 1.5x.
 *
 *   npm run bench:merge:small -- [--chunks 20000] [--rows 10] [--devices 2] [--repeat 3] [--dir /tmp/x [--reuse]]
 *
 * --reuse keeps the chunks an earlier run with the same --dir generated (generating 20,000 takes minutes).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { benchDir, dist, fmt, launcherBin, option, realPython, scratchDir, writeBenchConfig } from './bench-support.mjs';

const { writeMarker } = await import(path.join(dist, 'core', 'marker.js'));
const { writeRunFile } = await import(path.join(dist, 'core', 'run-file.js'));
const { chunkDirFor } = await import(path.join(dist, 'core', 'layout.js'));
const { chunkName, nameWidthFor } = await import(path.join(dist, 'core', 'plan.js'));

const chunks = Number(option('chunks', '20000'));
const rows = Number(option('rows', '10'));
const devices = Number(option('devices', '2'));
const repeat = Number(option('repeat', '3'));
const { dir, cleanup } = scratchDir('chunkrun-bench-small-');
const outputDir = path.join(dir, 'out');
const mergeBin = path.join(dist, 'merge', 'main.js');

const SCHEMA = [
  { name: 'schema', num_children: 4 },
  { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
];

function chunkBytes(start) {
  const indexes = Array.from({ length: rows }, (_, k) => start + k);
  return parquetWriteBuffer({
    schema: SCHEMA,
    codec: 'SNAPPY',
    columnData: [
      { name: 'index', data: indexes.map(BigInt) },
      { name: 'text', data: indexes.map((i) => `item ${i} of the bench`) },
      { name: 'score', data: indexes.map((i) => (i % 7 === 0 ? null : i / 3)) },
      { name: 'embedding', data: indexes.map((i) => Array.from({ length: 8 }, (_, k) => Math.sin(i + k))) },
    ],
  });
}

function generate(python, script) {
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const end = chunks * rows - 1;
  writeRunFile(outputDir, {
    version: 1,
    createdAt: new Date().toISOString(),
    phase: 'bench',
    start: 0,
    end,
    checkpointFrequency: rows,
    command: [python, script, '--start', '{start}', '--end', '{end}', '--device', '{device}'],
    outputs: ['dataset_*'],
    indexColumn: 'index',
  });
  const width = nameWidthFor(end);
  const now = new Date().toISOString();
  for (let n = 0; n < chunks; n++) {
    const range = { start: n * rows, end: n * rows + rows - 1 };
    const device = `cpu${n % devices}`;
    const chunkDir = chunkDirFor(outputDir, device, range, width);
    mkdirSync(chunkDir, { recursive: true });
    const bytes = new Uint8Array(chunkBytes(range.start));
    writeFileSync(path.join(chunkDir, 'dataset_bench.parquet'), bytes);
    writeFileSync(path.join(chunkDir, 'run.log'), '');
    writeMarker(chunkDir, {
      version: 1,
      name: chunkName(range, width),
      ...range,
      device,
      host: 'bench',
      attempt: 1,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      files: [{ path: 'dataset_bench.parquet', bytes: bytes.length, rows }],
    });
  }
}

function run(command, args, cwd) {
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { cwd, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const maxRssMb = Number(child.stderr.trim().split('\n').pop()) / 1024;
  return { ms, maxRssMb, stdout: child.stdout };
}

const removeMerged = () => {
  for (const name of readdirSync(outputDir)) if (name.startsWith('dataset_')) rmSync(path.join(outputDir, name));
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const python = realPython();
const script = path.join(benchDir, 'null_phase.py');
// The chunks were committed with their index column checked, as run.json records.
writeBenchConfig(dir, python, script, {}, { indexColumn: 'index' });
console.log(`generating ${chunks} chunks of ${rows} rows on ${devices} devices in ${outputDir} ...`);
if (!process.argv.includes('--reuse') || !existsSync(path.join(outputDir, 'run.json'))) generate(python, script);
const launchArgs = [
  '--phase',
  'bench',
  '--start',
  '0',
  '--end',
  String(chunks * rows - 1),
  '--checkpoint-frequency',
  String(rows),
  '--devices',
  `cpu:${devices}`,
  '--quiet',
];

const merge = [],
  noop = [],
  noMerge = [];
let rss = 0,
  rowGroups = 0;
for (let round = 0; round < repeat; round++) {
  removeMerged();
  const merged = run(process.execPath, [mergeBin, '--output-dir', outputDir], dir);
  merge.push(merged.ms);
  rss = Math.max(rss, merged.maxRssMb);
  noMerge.push(run(process.execPath, [launcherBin, ...launchArgs, '--no-merge'], dir).ms);
  const before = readdirSync(outputDir)
    .filter((name) => name.startsWith('dataset_'))
    .map((name) => statSync(path.join(outputDir, name)).mtimeMs);
  noop.push(run(process.execPath, [launcherBin, ...launchArgs], dir).ms);
  const after = readdirSync(outputDir)
    .filter((name) => name.startsWith('dataset_'))
    .map((name) => statSync(path.join(outputDir, name)).mtimeMs);
  if (JSON.stringify(before) !== JSON.stringify(after)) throw new Error('the no-op rerun rewrote a merged file');
}
const { parquetMetadataAsync, asyncBufferFromFile } = await import('hyparquet');
for (const name of readdirSync(outputDir).filter((entry) => entry.startsWith('dataset_'))) {
  rowGroups += (await parquetMetadataAsync(await asyncBufferFromFile(path.join(outputDir, name)))).row_groups.length;
}
const report = {
  chunks,
  rowsPerChunk: rows,
  devices,
  mergeMs: Math.round(median(merge)),
  mergePeakRssMB: Math.round(rss),
  mergedRowGroups: rowGroups,
  noopRerunMs: Math.round(median(noop)),
  noMergeMs: Math.round(median(noMerge)),
  noopRatio: Number((median(noop) / median(noMerge)).toFixed(2)),
};
console.log(
  `merge-chunks of ${chunks} chunks x ${rows} rows: ${fmt(report.mergeMs / 1000)} s, peak RSS ${report.mergePeakRssMB} MB, ${rowGroups} row groups in the merged files (median of ${repeat})`,
);
console.log(
  `no-op rerun of the finished run: ${fmt(report.noopRerunMs / 1000)} s; --no-merge: ${fmt(report.noMergeMs / 1000)} s; ratio ${report.noopRatio}x (goal <= 1.5x)`,
);
console.log('DuckDB: not installable here (no npm or Debian package), not measured');
console.log(JSON.stringify(report));
cleanup();
