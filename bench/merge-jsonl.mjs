#!/usr/bin/env node
/**
 * JSONL conversion, linear in bytes whatever the row size. Four committed runs of JSONL chunks
 * (what the Python helper writes without pyarrow), each merged by `merge-chunks` (the whole
 * process, start to exit), rounds alternating, medians:
 *   - many rows: --files files of --rows rows of about 200 bytes (index, text, score, list of 8 floats);
 *   - huge rows: --big-files files of --big-rows rows of --big-mb MB each (a long text column);
 *   - rows --big-rows times as large, as many bytes in the same files: --big-files files of one
 *     row of --big-rows x --big-mb MB (no DuckDB: its read_json refuses objects over 16 MB);
 *   - embeddings: --emb-files files of --emb-rows rows of 128 float32 values widened to double,
 *     printed as Python and JavaScript print them (shortest round trip: 16-17 digits each).
 * Prints each case's MB/s, and the throughput of the largest rows over that of the huge rows:
 * the same bytes of the same text in the same files, in rows --big-rows times as large, near 1
 * when the conversion is linear in bytes whatever the row size.
 *
 *   npm run bench:merge:jsonl -- [--files 200] [--rows 5000] [--big-files 2] [--big-rows 5] [--big-mb 4] [--emb-files 20] [--emb-rows 2000] [--repeat 3]
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  commitBenchChunk,
  dist,
  duckdbBaseline,
  fmt,
  measureProcess,
  median,
  option,
  scratchDir,
  startBenchRun,
} from './bench-support.mjs';

const files = Number(option('files', '200'));
const rows = Number(option('rows', '5000'));
const bigFiles = Number(option('big-files', '2'));
const bigRows = Number(option('big-rows', '5'));
const bigMb = Number(option('big-mb', '4'));
const embFiles = Number(option('emb-files', '20'));
const embRows = Number(option('emb-rows', '2000'));
const repeat = Number(option('repeat', '3'));
const { dir, cleanup } = scratchDir('chunkrun-bench-jsonl-');
const mergeBin = path.join(dist, 'merge', 'main.js');

function makeRun(outputDir, fileCount, rowsPerFile, line) {
  const width = startBenchRun(outputDir, { end: fileCount * rowsPerFile - 1, frequency: rowsPerFile, outputs: ['*.jsonl'] });
  const chunkFiles = [];
  let bytes = 0;
  for (let n = 0; n < fileCount; n++) {
    const range = { start: n * rowsPerFile, end: n * rowsPerFile + rowsPerFile - 1 };
    const written = commitBenchChunk(outputDir, {
      range,
      device: 'cpu0',
      width,
      fileName: 'dataset_bench.jsonl',
      rows: rowsPerFile,
      write: (file) => {
        let content = '';
        for (let i = range.start; i <= range.end; i++) content += `${line(i)}\n`;
        writeFileSync(file, content);
        return Buffer.byteLength(content);
      },
    });
    chunkFiles.push(written.file);
    bytes += written.bytes;
  }
  return { bytes, chunkFiles, rows: fileCount * rowsPerFile };
}

const smallLine = (i) =>
  JSON.stringify({
    index: i,
    text: `sample ${i} of the benchmark, with a few words of text to look like real output`,
    score: i % 11 === 0 ? null : i / 7,
    embedding: Array.from({ length: 8 }, (_, k) => Math.round(Math.sin(i + k) * 1e6) / 1e6),
  });
const fillerOf = (mb) => 'a résumé of the layer '.repeat(Math.ceil((mb * 1e6) / 23)).slice(0, mb * 1e6);
const filler = fillerOf(bigMb);
const bigLine = (i) => JSON.stringify({ index: i, text: filler, score: i / 7 });
const hugeFiller = fillerOf(bigRows * bigMb);
const hugeLine = (i) => JSON.stringify({ index: i, text: hugeFiller, score: i / 7 });
let seed = 1;
const uniform = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const embLine = (i) => JSON.stringify({ index: i, embedding: Array.from({ length: 128 }, () => Math.fround(uniform() * 2 - 1)) });

const cases = [
  { name: `${files} files x ${rows} rows`, outputDir: path.join(dir, 'small') },
  { name: `${bigFiles} files x ${bigRows} rows of ${bigMb} MB`, outputDir: path.join(dir, 'big') },
  { name: `${bigFiles} files x 1 row of ${bigRows * bigMb} MB`, outputDir: path.join(dir, 'huge'), noDuckdb: true },
  { name: `${embFiles} files x ${embRows} rows of 128 printed float32s`, outputDir: path.join(dir, 'emb') },
];
console.log(`generating JSONL chunks in ${dir} ...`);
Object.assign(cases[0], makeRun(cases[0].outputDir, files, rows, smallLine));
Object.assign(cases[1], makeRun(cases[1].outputDir, bigFiles, bigRows, bigLine));
Object.assign(cases[2], makeRun(cases[2].outputDir, bigFiles, 1, hugeLine));
Object.assign(cases[3], makeRun(cases[3].outputDir, embFiles, embRows, embLine));

function mergeOnce(outputDir) {
  for (const name of readdirSync(outputDir)) if (name.startsWith('dataset_')) rmSync(path.join(outputDir, name));
  return measureProcess(process.execPath, [mergeBin, '--output-dir', outputDir]);
}

for (const entry of cases) {
  entry.ms = [];
  entry.rss = 0;
  entry.duckdb = duckdbBaseline(dir, 'jsonl');
}
for (let round = 0; round < repeat; round++) {
  for (const entry of cases) {
    const { ms, rssMb } = mergeOnce(entry.outputDir);
    entry.ms.push(ms);
    entry.rss = Math.max(entry.rss, rssMb);
    if (!entry.noDuckdb) entry.duckdb.round([{ files: entry.chunkFiles, target: path.join(dir, 'duckdb.parquet'), rows: entry.rows }]);
  }
}
const report = cases.map((entry) => {
  const duckdb = entry.duckdb.report(median(entry.ms));
  const row = {
    case: entry.name,
    inputMB: Number((entry.bytes / 1e6).toFixed(1)),
    mergeMs: Math.round(median(entry.ms)),
    MBps: Number((entry.bytes / 1e6 / (median(entry.ms) / 1000)).toFixed(1)),
    peakRssMB: Math.round(entry.rss),
    ...duckdb.figures,
  };
  console.log(
    `${row.case}: ${row.inputMB} MB in ${fmt(row.mergeMs / 1000)} s (${row.MBps} MB/s), peak RSS ${row.peakRssMB} MB (median of ${repeat})`,
  );
  for (const line of duckdb.lines) console.log(`  ${line}`);
  return row;
});
console.log(
  `throughput ratio, rows of ${bigRows * bigMb} MB / rows of ${bigMb} MB: ${fmt(report[2].MBps / report[1].MBps)} (near 1: linear in bytes whatever the row size)`,
);
console.log(JSON.stringify(report));
cleanup();
