/**
 * Rows written again beyond a row group's worth go to worker threads a segment at a time and
 * come back into the file in index order: JSONL, small row groups of the target's shape,
 * converted chunks, with a copied row group in between.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted } from '../src/merge/index.js';
import { WorkerPool } from '../src/core/worker-pool.js';
import { IndexCheck } from '../src/merge/verify.js';
import { commitChunk, makeRun, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

/** How many requests of a kind (a segment to encode, a JSONL schema to infer) went to the worker pools. */
const requested = (run: { mock: { calls: unknown[][] } }, kind: 'encode' | 'infer') =>
  run.mock.calls.filter(([request]) => (request as { kind?: string }).kind === kind).length;

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  removeDir(dir);
  vi.restoreAllMocks();
});

const groupRows = (file: string) => readMetadata(file).row_groups.map((group) => Number(group.num_rows));

/** A Parquet chunk of rows start..end: index, a label (null every 9th), and a score stored as double or as int64. */
function chunkFile(start: number, end: number, scoreType: 'DOUBLE' | 'INT64', rowGroupSize: number): Uint8Array {
  const indexes = Array.from({ length: end - start + 1 }, (_, k) => start + k);
  return new Uint8Array(
    parquetWriteBuffer({
      schema: [
        { name: 'schema', num_children: 3 },
        { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'score', type: scoreType, repetition_type: 'OPTIONAL' },
      ],
      codec: 'SNAPPY',
      rowGroupSize,
      columnData: [
        { name: 'index', data: indexes.map(BigInt) },
        { name: 'label', data: indexes.map((i) => (i % 9 === 0 ? null : `row ${i}`)) },
        { name: 'score', data: indexes.map((i) => (scoreType === 'INT64' ? BigInt(i % 1000) : i % 1000)) },
      ],
    }),
  );
}

describe.skipIf(availableParallelism() < 2)('segments encoded on worker threads (two cores or more)', () => {
  it("JSONL of several row groups' worth: every segment on a worker, every row in order", async () => {
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    makeRun(dir, { start: 0, end: 249_999, frequency: 50_000, indexColumn: 'index' });
    for (let start = 0; start < 250_000; start += 50_000) {
      let content = '';
      for (let i = start; i < start + 50_000; i++)
        content += `${JSON.stringify({ index: i, t: i % 11 === 0 ? null : `r${i % 7}`, v: i % 13 === 0 ? [] : [i % 3, 0.5] })}\n`;
      commitChunk(dir, 'cpu0', { start, end: start + 49_999 }, [{ name: 'rows.jsonl', content }]);
    }
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ rows: 250_000, path: 'jsonl' });
    // 250,000 items, more than two row groups' worth: chunks 1-2, 3-4 and 5 each a segment on a worker;
    // each file's first rows inferred here, while the workers start.
    expect(requested(run, 'encode')).toBe(3);
    expect(requested(run, 'infer')).toBe(0);
    expect(groupRows(outcome!.file)).toEqual([100_000, 100_000, 50_000]);
    const rows = await readRows(outcome!.file);
    expect(rows.map((row) => Number(row.index))).toEqual(Array.from({ length: 250_000 }, (_, i) => i));
    for (const i of [0, 1, 13, 99_999, 100_000, 150_001, 249_999]) {
      expect(rows[i]).toEqual({ index: BigInt(i), t: i % 11 === 0 ? null : `r${i % 7}`, v: i % 13 === 0 ? [] : [i % 3, 0.5] });
    }
  });

  it('Parquet: small row groups and converted chunks on workers, a copied row group between them, in index order', async () => {
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    makeRun(dir, { start: 0, end: 239_999, frequency: 12_000, indexColumn: 'index' });
    // 20 chunks of 12,000 rows: row groups of 1,000 (gathered), except chunk 15's one row group (copied);
    // chunks 3 and 9 store the score as int64 (converted to the others' double).
    for (let n = 0; n < 20; n++) {
      const start = n * 12_000;
      const content = chunkFile(start, start + 11_999, n === 3 || n === 9 ? 'INT64' : 'DOUBLE', n === 15 ? 12_000 : 1000);
      commitChunk(dir, 'gpu0', { start, end: start + 11_999 }, [{ name: 'out.parquet', content }]);
    }
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ rows: 240_000, path: 'mixed' });
    // 240,000 items make segments of 60,000 rows (a quarter: segmentLimitFor): rows 0-59,999,
    // 60,000-119,999, 120,000-179,999 (handed over before the copy) and 192,000-239,999. Inside them a
    // converted chunk between leaf-level rows ends a row group on each side.
    expect(requested(run, 'encode')).toBe(4);
    expect(groupRows(outcome!.file)).toEqual([36_000, 12_000, 12_000, 48_000, 12_000, 60_000, 12_000, 48_000]);
    const rows = await readRows(outcome!.file);
    expect(rows.map((row) => Number(row.index))).toEqual(Array.from({ length: 240_000 }, (_, i) => i));
    for (const i of [0, 36_500, 99_999, 100_000, 108_001, 119_999, 180_000, 239_999]) {
      expect(rows[i]).toEqual({ index: BigInt(i), label: i % 9 === 0 ? null : `row ${i}`, score: i % 1000 });
    }
  });

  it("row groups follow the rows, not the chunk files: whole segments on workers, the batcher's size here", async () => {
    const jsonlRun = (files: number) => {
      removeDir(dir);
      makeRun(dir, { start: 0, end: files * 50_001 - 1, frequency: 50_001, indexColumn: 'index' });
      for (let n = 0; n < files; n++) {
        let content = '';
        for (let i = n * 50_001; i < (n + 1) * 50_001; i++) content += `{"index":${i}}\n`;
        commitChunk(dir, 'cpu0', { start: n * 50_001, end: (n + 1) * 50_001 - 1 }, [{ name: 'rows.jsonl', content }]);
      }
    };
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    // 250,005 items: a segment is handed over at 62,502 rows, so two files of 50,001 make each of
    // the first two (one row group of 100,002, under twice a row group), the last file the third.
    jsonlRun(5);
    const [withWorkers] = await mergeCommitted({ outputDir: dir });
    expect(requested(run, 'encode')).toBe(3);
    expect(groupRows(withWorkers!.file)).toEqual([100_002, 100_002, 50_001]);
    // 150,003 items, between one and two row groups' worth: still worth the workers, a segment a file.
    jsonlRun(3);
    const [between] = await mergeCommitted({ outputDir: dir });
    expect(requested(run, 'encode')).toBe(6);
    expect(groupRows(between!.file)).toEqual([50_001, 50_001, 50_001]);
    // Without workers (one core, or no thread to be had), the batcher here cuts at a row group's size.
    vi.spyOn(WorkerPool, 'open').mockReturnValue(undefined);
    jsonlRun(3);
    const [here] = await mergeCommitted({ outputDir: dir });
    expect(requested(run, 'encode')).toBe(6);
    expect(groupRows(here!.file)).toEqual([100_000, 50_003]);
  });

  it("a JSONL row on a worker that its file's first rows did not type makes the merge start over reading every row", async () => {
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    makeRun(dir, { start: 0, end: 249_999, frequency: 50_000, indexColumn: 'index' });
    for (let start = 0; start < 250_000; start += 50_000) {
      let content = '';
      // Row 240,000 (in the last segment, on a worker) holds the first float of "s".
      for (let i = start; i < start + 50_000; i++) content += `${JSON.stringify({ index: i, s: i === 240_000 ? 0.5 : i % 5 })}\n`;
      commitChunk(dir, 'cpu0', { start, end: start + 49_999 }, [{ name: 'rows.jsonl', content }]);
    }
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ rows: 250_000, path: 'jsonl' });
    // Three segments, then three again reading every row's types.
    expect(requested(run, 'encode')).toBe(6);
    expect(readMetadata(outcome!.file).schema.find((element) => element.name === 's')?.type).toBe('DOUBLE');
    const rows = await readRows(outcome!.file);
    expect([rows[239_999]!.s, rows[240_000]!.s, rows[249_999]!.s]).toEqual([4, 0.5, 4]);
  });

  it('a JSONL file whose every row a worker infers and refuses fails the merge with a DataError naming its line, and leaves no file', async () => {
    makeRun(dir, { start: 0, end: 249_999, frequency: 50_000, indexColumn: 'index' });
    let bad = '';
    for (let start = 0; start < 250_000; start += 50_000) {
      let content = '';
      // Line 601 of the third file (row 100,600) turns "s" from text to a number, past the rows inference
      // reads first: the write finds it, and the merge starts over inferring every row, on the workers.
      for (let i = start; i < start + 50_000; i++) content += `${JSON.stringify({ index: i, s: i === 100_600 ? 7 : `s${i}` })}\n`;
      const chunk = commitChunk(dir, 'cpu0', { start, end: start + 49_999 }, [{ name: 'rows.jsonl', content }]);
      if (start === 100_000) bad = `${chunk}/rows.jsonl`;
    }
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const error = await mergeCommitted({ outputDir: dir }).catch((caught: unknown) => caught);
    expect(requested(run, 'infer')).toBeGreaterThanOrEqual(3);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      `${bad} line 601: column "s" is int here but string on earlier lines; a column must keep one type`,
    );
    expect(readdirSync(dir).filter((name) => name.startsWith('dataset_'))).toEqual([]);
  });

  it('a damaged chunk encoded on a worker fails the merge with a DataError naming it, and leaves no file', async () => {
    makeRun(dir, { start: 0, end: 239_999, frequency: 12_000, indexColumn: 'index' });
    let damaged = '';
    for (let n = 0; n < 20; n++) {
      const start = n * 12_000;
      const content = chunkFile(start, start + 11_999, 'DOUBLE', 1000);
      // 240,000 items: every row group goes to a worker. A byte of a page header flipped.
      if (n === 11) content[4 + 2]! ^= 0xff;
      const chunk = commitChunk(dir, 'gpu0', { start, end: start + 11_999 }, [{ name: 'out.parquet', content }]);
      if (n === 11) damaged = `${chunk}/out.parquet`;
    }
    const error = await mergeCommitted({ outputDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(`${damaged} is corrupt`);
    expect(readdirSync(dir).filter((name) => name.startsWith('dataset_') || name.includes('.tmp'))).toEqual([]);
  });

  it("an index written twice inside a worker's segment is found by the index check read back while the merge goes on", async () => {
    const written = vi.spyOn(IndexCheck.prototype, 'written');
    makeRun(dir, { start: 0, end: 249_999, frequency: 50_000, indexColumn: 'index' });
    let chunkOfDuplicate = '';
    for (let start = 0; start < 250_000; start += 50_000) {
      let content = '';
      // Row 120,001 says index 120,000 (and 120,001 is nowhere).
      for (let i = start; i < start + 50_000; i++) content += `${JSON.stringify({ index: i === 120_001 ? 120_000 : i, v: i % 7 })}\n`;
      const chunk = commitChunk(dir, 'cpu0', { start, end: start + 49_999 }, [{ name: 'rows.jsonl', content }]);
      if (start === 100_000) chunkOfDuplicate = chunk.split('/').pop()!;
    }
    const error = await mergeCommitted({ outputDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(
      `failed the "index" index check: index 120000 appears more than once (again in ${chunkOfDuplicate})`,
    );
    // Three segments' row groups, each read back as it was placed.
    expect(written).toHaveBeenCalledTimes(3);
    expect(readdirSync(dir).filter((name) => name.startsWith('dataset_') || name.includes('.tmp'))).toEqual([]);
  });
});
