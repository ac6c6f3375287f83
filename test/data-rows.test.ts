/** Test helpers read a phase's rows whichever format its writer produced (pyarrow: Parquet, else JSONL). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readDataRows } from './support/data-rows.js';
import { fixture, plain, readRows } from './merge-helpers.js';
import { removeDir, tempWorkDir } from './support/cli.js';

let dir: string;
beforeEach(() => {
  dir = tempWorkDir('chunkrun-rows-');
});
afterEach(() => removeDir(dir));

it('reads Parquet and JSONL files alike, in the order given', async () => {
  const jsonl = path.join(dir, 'dataset_sae.jsonl');
  writeFileSync(jsonl, '{"index": 7, "text": "a"}\n\n{"index": 8, "text": null}\n');
  const parquet = fixture('chunk_a.snappy.parquet');
  const [fromJsonl, fromParquet, again] = readDataRows([jsonl, parquet, jsonl]);
  expect(fromJsonl).toEqual([
    { index: 7, text: 'a' },
    { index: 8, text: null },
  ]);
  expect(again).toEqual(fromJsonl);
  const expected = (await readRows(parquet)).map(plain);
  expect(fromParquet!.length).toBeGreaterThan(0);
  expect(fromParquet!.map((row) => (row as { index: unknown }).index)).toEqual(expected.map((row) => (row as { index: unknown }).index));
});

it('refuses a file that is neither', () => {
  const other = path.join(dir, 'notes.txt');
  writeFileSync(other, 'x');
  expect(() => readDataRows([other])).toThrow(/notes\.txt: not a data file the example writers produce/);
});
