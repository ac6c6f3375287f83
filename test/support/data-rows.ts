/**
 * The rows of a phase's data files, whichever format its writer produced: JSONL without
 * pyarrow, Parquet with it. Tests must pass on both, so they read rows through here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Row = Record<string, unknown>;

const parquetReader = path.join(path.dirname(fileURLToPath(import.meta.url)), 'read-parquet-rows.mjs');

function readJsonl(file: string): Row[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Row);
}

/** Rows of each file, in the order given; Parquet files are read in one child process. */
export function readDataRows(files: readonly string[]): Row[][] {
  const parquet = files.filter((file) => file.endsWith('.parquet'));
  const parquetRows =
    parquet.length === 0
      ? []
      : (JSON.parse(execFileSync(process.execPath, [parquetReader, ...parquet], { encoding: 'utf8', maxBuffer: 1 << 30 })) as Row[][]);
  const byFile = new Map(parquet.map((file, i) => [file, parquetRows[i]!]));
  return files.map((file) => {
    if (byFile.has(file)) return byFile.get(file)!;
    if (file.endsWith('.jsonl')) return readJsonl(file);
    throw new Error(`${file}: not a data file the example writers produce (.parquet or .jsonl)`);
  });
}
