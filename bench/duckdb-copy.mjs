#!/usr/bin/env node
/**
 * The DuckDB baseline of the merge benches, run as its own process so that its time and peak RSS
 * are its own and a crash costs one round: `node duckdb-copy.mjs parquet|jsonl <jobs.json>`, where
 * jobs.json holds [{ files, target }]. Each job is
 *   COPY (SELECT * FROM read_parquet([files]) | read_json([files])) TO target (FORMAT parquet)
 * then an fsync of the target (merge-chunks fsyncs its file too). Prints each target's row count
 * as a JSON array. Exits 3, with one line saying why, when @duckdb/node-api cannot be imported.
 */
import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';

let duckdb;
try {
  duckdb = await import('@duckdb/node-api');
} catch (error) {
  process.stderr.write(`@duckdb/node-api is not importable (${String(error?.message ?? error).split('\n')[0]}); run npm ci\n`);
  process.exit(3);
}

const [kind, jobsFile] = process.argv.slice(2);
if (kind !== 'parquet' && kind !== 'jsonl') throw new Error(`the first argument is ${kind}; give parquet or jsonl`);
const jobs = JSON.parse(readFileSync(jobsFile, 'utf8'));
const quoted = (text) => `'${text.replaceAll("'", "''")}'`;
const instance = await duckdb.DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const rows = [];
for (const { files, target } of jobs) {
  const list = `[${files.map(quoted).join(', ')}]`;
  const source = kind === 'jsonl' ? `read_json(${list}, format = 'newline_delimited')` : `read_parquet(${list})`;
  try {
    await connection.run(`COPY (SELECT * FROM ${source}) TO ${quoted(target)} (FORMAT parquet)`);
  } catch (error) {
    // DuckDB's own words, on one line (e.g. rows above read_json's maximum_object_size of 16 MiB).
    process.stderr.write(`DuckDB refused: ${String(error?.message ?? error).split('\n')[0]}\n`);
    process.exit(1);
  }
  const fd = openSync(target, 'r');
  fsyncSync(fd);
  closeSync(fd);
  const counted = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoted(target)})`);
  rows.push(Number(counted.getRows()[0][0]));
}
connection.closeSync();
process.stdout.write(`${JSON.stringify(rows)}\n`);
