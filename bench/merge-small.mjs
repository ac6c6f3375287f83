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
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  benchDir,
  commitBenchChunk,
  dist,
  duckdbBaseline,
  fmt,
  launcherBin,
  measureProcess,
  median,
  option,
  realPython,
  scratchDir,
  startBenchRun,
  writeBenchConfig,
} from './bench-support.mjs';

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
  const width = startBenchRun(outputDir, {
    end: chunks * rows - 1,
    frequency: rows,
    outputs: ['dataset_*'],
    command: [python, script, '--start', '{start}', '--end', '{end}', '--device', '{device}'],
  });
  for (let n = 0; n < chunks; n++) {
    const range = { start: n * rows, end: n * rows + rows - 1 };
    commitBenchChunk(outputDir, {
      range,
      device: `cpu${n % devices}`,
      width,
      fileName: 'dataset_bench.parquet',
      rows,
      write: (file) => {
        const bytes = new Uint8Array(chunkBytes(range.start));
        writeFileSync(file, bytes);
        return bytes.length;
      },
    });
  }
}

/** DuckDB's jobs: one merged file per device, as merge-chunks writes, from that device's chunk files in index order. */
function duckdbJobs() {
  return Array.from({ length: devices }, (_, device) => {
    const deviceDir = path.join(outputDir, 'chunks', `cpu${device}`);
    const names = readdirSync(deviceDir)
      .filter((name) => name.startsWith('chunk_'))
      .sort();
    return {
      files: names.map((name) => path.join(deviceDir, name, 'dataset_bench.parquet')),
      target: path.join(dir, `duckdb_cpu${device}.parquet`),
      rows: names.length * rows,
    };
  });
}

const run = (command, args, cwd) => measureProcess(command, args, { cwd });

const removeMerged = () => {
  for (const name of readdirSync(outputDir)) if (name.startsWith('dataset_')) rmSync(path.join(outputDir, name));
};

const python = realPython();
const script = path.join(benchDir, 'null_phase.py');
// The run.json written above records indexColumn; the config must say the same or the launcher refuses the run.
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
const duckdb = duckdbBaseline(dir, 'parquet');
const jobs = duckdbJobs();
for (let round = 0; round < repeat; round++) {
  removeMerged();
  const merged = run(process.execPath, [mergeBin, '--output-dir', outputDir], dir);
  merge.push(merged.ms);
  console.error(`round ${round + 1}: merge-chunks ${fmt(merged.ms / 1000)} s`);
  rss = Math.max(rss, merged.rssMb);
  duckdb.round(jobs);
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
const duckdbReport = duckdb.report(median(merge));
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
  ...duckdbReport.figures,
};
console.log(
  `merge-chunks of ${chunks} chunks x ${rows} rows: ${fmt(report.mergeMs / 1000)} s, peak RSS ${report.mergePeakRssMB} MB, ${rowGroups} row groups in the merged files (median of ${repeat})`,
);
console.log(
  `no-op rerun of the finished run: ${fmt(report.noopRerunMs / 1000)} s; --no-merge: ${fmt(report.noMergeMs / 1000)} s; ratio ${report.noopRatio}x (goal <= 1.5x)`,
);
for (const line of duckdbReport.lines) console.log(line);
console.log(JSON.stringify(report));
cleanup();
