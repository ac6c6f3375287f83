/** Small row groups (many small chunks) are re-encoded together into row groups of sensible size; big ones are copied. */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted } from '../src/merge/index.js';
import { parseMergeRecord } from '../src/merge/merge-record.js';
import { commitChunk, makeRun, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

const SCHEMA = [
  { name: 'schema', num_children: 6 },
  { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'flag', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
  { name: 'small', type: 'INT32', converted_type: 'INT_16', repetition_type: 'OPTIONAL' },
  { name: 'emb', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
] as const;

/** A chunk file of rows start..end, one row group, with nulls, empty lists and null list elements here and there. */
function chunkFile(start: number, end: number, duplicate?: number): Uint8Array {
  const indexes = Array.from({ length: end - start + 1 }, (_, k) => (duplicate !== undefined && k === 1 ? duplicate : start + k));
  return new Uint8Array(
    parquetWriteBuffer({
      schema: SCHEMA as never,
      codec: 'SNAPPY',
      rowGroupSize: indexes.length,
      columnData: [
        { name: 'index', data: indexes.map(BigInt) },
        { name: 'label', data: indexes.map((i) => (i % 3 === 0 ? null : `row ${i} é`)) },
        { name: 'score', data: indexes.map((i) => (i % 5 === 0 ? null : i / 8)) },
        { name: 'flag', data: indexes.map((i) => (i % 7 === 0 ? null : i % 2 === 0)) },
        { name: 'small', data: indexes.map((i) => (i % 4 === 0 ? null : (i % 300) - 150)) },
        { name: 'emb', data: indexes.map((i) => (i % 6 === 0 ? null : i % 6 === 1 ? [] : [i, i % 5 === 2 ? null : -i / 4, 0.5])) },
      ],
    }),
  );
}

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const groupRows = (file: string) => readMetadata(file).row_groups.map((group) => Number(group.num_rows));

const schemaShape = (file: string) =>
  readMetadata(file).schema.map(({ name, type, repetition_type, converted_type, logical_type, num_children }) => ({
    name,
    type,
    repetition_type,
    converted_type,
    logical_type,
    num_children,
  }));

describe('small row groups are gathered', () => {
  it('300 chunks of 5 rows on two devices become one row group per file: values, types and nulls kept, every index checked', async () => {
    makeRun(dir, { start: 0, end: 1499, frequency: 5, indexColumn: 'index' });
    const sources: string[] = [];
    for (let start = 0; start < 1500; start += 5) {
      const chunk = commitChunk(dir, `gpu${(start / 5) % 2}`, { start, end: start + 4 }, [
        { name: 'o.parquet', content: chunkFile(start, start + 4) },
      ]);
      sources.push(`${chunk}/o.parquet`);
    }
    const [all] = await mergeCommitted({ outputDir: dir, all: true });
    expect(all).toMatchObject({ rows: 1500, path: 'coalesced' });
    const metadata = readMetadata(all!.file);
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([1500]);
    expect(schemaShape(all!.file)).toEqual(schemaShape(sources[0]!));
    const expected: unknown[] = [];
    for (const source of sources) expected.push(...(await readRows(source)).map(plain));
    expect((await readRows(all!.file)).map(plain)).toEqual(expected);
    const record = JSON.parse(metadata.key_value_metadata!.find((pair) => pair.key === 'chunkrun.merge')!.value!);
    expect(record.chunks.slice(0, 3).map((chunk: { firstRow: number; rows: number }) => [chunk.firstRow, chunk.rows])).toEqual([
      [0, 5],
      [5, 5],
      [10, 5],
    ]);
    const perDevice = await mergeCommitted({ outputDir: dir });
    expect(perDevice.map((outcome) => readMetadata(outcome.file).row_groups.length)).toEqual([1, 1]);
    expect(perDevice.map((outcome) => outcome.rows)).toEqual([750, 750]);
  });

  it('a big row group is copied as it is, the small ones around it gathered, in index order', async () => {
    makeRun(dir, { start: 0, end: 10_009, frequency: 10_010, indexColumn: 'index' });
    commitChunk(dir, 'gpu0', { start: 0, end: 10_009 }, [
      { name: 'part-0.parquet', content: chunkFile(0, 4) },
      { name: 'part-1.parquet', content: chunkFile(5, 10_004) },
      { name: 'part-2.parquet', content: chunkFile(10_005, 10_009) },
    ]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const metadata = readMetadata(outcome!.file);
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([5, 10_000, 5]);
    const rows = (await readRows(outcome!.file)).map((row) => Number(row.index));
    expect(rows).toEqual(Array.from({ length: 10_010 }, (_, i) => i));
  });

  it('a duplicated index inside gathered row groups is found by the index check', async () => {
    makeRun(dir, { start: 0, end: 29, frequency: 10, indexColumn: 'index' });
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.parquet', content: chunkFile(0, 9) }]);
    const odd = commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'o.parquet', content: chunkFile(10, 19, 3) }]);
    commitChunk(dir, 'gpu0', { start: 20, end: 29 }, [{ name: 'o.parquet', content: chunkFile(20, 29) }]);
    const error = await mergeCommitted({ outputDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(`index 3 appears more than once (again in ${odd.split('/').pop()})`);
  });
});

describe('gathered row groups keep their values exactly', () => {
  /** An uncompressed chunk of rows start..end, its columns in the given order: `a` few distinct strings (dictionary-encoded), `b` long ones. */
  function orderedChunk(start: number, end: number, order: readonly ('index' | 'a' | 'b')[]): Uint8Array {
    const indexes = Array.from({ length: end - start + 1 }, (_, k) => start + k);
    const columns = {
      index: { element: { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' }, data: indexes.map(BigInt) },
      a: {
        element: { name: 'a', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        data: indexes.map((i) => `fruit ${i % 3}`),
      },
      b: {
        element: { name: 'b', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        data: indexes.map((i) => `${i}:`.padEnd(60, String.fromCharCode(97 + (i % 26)))),
      },
    };
    return new Uint8Array(
      parquetWriteBuffer({
        schema: [{ name: 'schema', num_children: 3 }, ...order.map((name) => columns[name].element)] as never,
        codec: 'UNCOMPRESSED',
        rowGroupSize: indexes.length,
        columnData: order.map((name) => ({ name, data: columns[name].data })),
      }),
    );
  }

  it('an uncompressed dictionary read through the read window, from a chunk whose columns come in another order', async () => {
    makeRun(dir, { start: 0, end: 3999, frequency: 2000, indexColumn: 'index' });
    commitChunk(dir, 'gpu0', { start: 0, end: 1999 }, [{ name: 'o.parquet', content: orderedChunk(0, 1999, ['index', 'a', 'b']) }]);
    // Over 64 KiB (read through the window, not whole), `b` stored first: reading it after `a` refills the window.
    const reordered = orderedChunk(2000, 3999, ['b', 'index', 'a']);
    expect(reordered.length).toBeGreaterThan(64 << 10);
    commitChunk(dir, 'gpu0', { start: 2000, end: 3999 }, [{ name: 'o.parquet', content: reordered }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(groupRows(outcome!.file)).toEqual([4000]);
    const rows = await readRows(outcome!.file);
    for (const i of [0, 1999, 2000, 2001, 3999]) {
      expect(rows[i]).toEqual({ index: BigInt(i), a: `fruit ${i % 3}`, b: `${i}:`.padEnd(60, String.fromCharCode(97 + (i % 26))) });
    }
  });

  it('JSON columns are copied as they are, never parsed and written again', async () => {
    const jsonChunk = (start: number) =>
      new Uint8Array(
        parquetWriteBuffer({
          schema: [
            { name: 'schema', num_children: 2 },
            { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
            { name: 'doc', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'OPTIONAL' },
          ] as never,
          columnData: [
            { name: 'index', data: [BigInt(start), BigInt(start + 1)] },
            { name: 'doc', data: [{ big: 1 }, null] },
          ],
        }),
      );
    makeRun(dir, { start: 0, end: 3, frequency: 2, indexColumn: 'index' });
    commitChunk(dir, 'gpu0', { start: 0, end: 1 }, [{ name: 'o.parquet', content: jsonChunk(0) }]);
    commitChunk(dir, 'gpu0', { start: 2, end: 3 }, [{ name: 'o.parquet', content: jsonChunk(2) }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ rows: 4, path: 'fast' });
    expect(groupRows(outcome!.file)).toEqual([2, 2]);
  });
});

describe('merge records', () => {
  it('a version 1 record (chunks as whole row groups) is read as row ranges', () => {
    const v1 = {
      version: 1,
      target: 'gpu0',
      fingerprint: 'f',
      path: 'fast',
      chunks: [
        { name: 'a', start: 0, end: 9, finishedAt: 't', firstRowGroup: 0, rowGroups: 2, rows: 10 },
        { name: 'b', start: 10, end: 19, finishedAt: 't', firstRowGroup: 2, rowGroups: 1, rows: 10 },
      ],
    };
    expect(parseMergeRecord(JSON.stringify(v1), [4, 6, 10])).toEqual({
      version: 2,
      target: 'gpu0',
      fingerprint: 'f',
      path: 'fast',
      chunks: [
        { name: 'a', start: 0, end: 9, finishedAt: 't', firstRow: 0, rows: 10 },
        { name: 'b', start: 10, end: 19, finishedAt: 't', firstRow: 10, rows: 10 },
      ],
    });
    expect(parseMergeRecord('{"version": 3}', [])).toBeUndefined();
  });
});
