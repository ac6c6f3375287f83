import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted } from '../src/merge/index.js';
import { commitChunk, fixture, makeRun, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

const readMetadataOf = (buffer: ArrayBuffer) => parquetMetadata(buffer);

let dir: string;
beforeEach(() => {
  dir = tempDir();
  makeRun(dir, { start: 0, end: 39, frequency: 20, indexColumn: 'index' });
});
afterEach(() => removeDir(dir));

const A = fixture('chunk_a.snappy.parquet');

/** The odd chunk's rows as the target schema holds them. */
async function oddRows(file: string, adjust: (row: Record<string, unknown>) => Record<string, unknown>) {
  return (await readRows(file)).map((row) => plain(adjust(row)) as Record<string, unknown>);
}

const targetOrder = (row: Record<string, unknown>) => ({
  index: row.index,
  text: row.text,
  score: row.score,
  flag: row.flag,
  note: row.note ?? null,
  embedding: row.embedding,
});

describe('slow path: compatible schema differences are unified, only the odd chunk re-encoded', () => {
  it.each([
    [
      'a column that is all-null (pyarrow null type) in one chunk',
      'odd_null_note.parquet',
      (row: Record<string, unknown>) => ({ ...row, note: null }),
    ],
    [
      'an int column that is float elsewhere',
      'odd_int_score.parquet',
      (row: Record<string, unknown>) => ({ ...row, score: Number(row.score) }),
    ],
    [
      'a missing column and another column order',
      'odd_missing_note_reordered.parquet',
      (row: Record<string, unknown>) => ({ ...row, note: null }),
    ],
  ])('%s', async (_what, odd, adjust) => {
    commitChunk(dir, 'gpu0', { start: 0, end: 19 }, [{ name: 'out.parquet', from: A }]);
    commitChunk(dir, 'gpu0', { start: 20, end: 39 }, [{ name: 'out.parquet', from: fixture(odd) }]);
    makeRun(dir, { start: 0, end: 39, frequency: 20 }); // the fixtures' indexes are not 0-39
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ path: 'mixed', rows: 70 });
    const merged = (await readRows(outcome!.file)).map((row) => plain(targetOrder(row)));
    const expected = [
      ...(await readRows(A)).map((row) => plain(targetOrder(row))),
      ...(await oddRows(fixture(odd), (row) => targetOrder(adjust(row)))),
    ];
    expect(merged).toEqual(expected);
    const columns = readMetadata(outcome!.file)
      .schema.slice(1)
      .map((element) => element.name);
    expect(columns.slice(0, 5)).toEqual(['index', 'text', 'score', 'flag', 'note']);
    // The schema is the base chunk's: its arrow schema stays valid.
    expect(readMetadata(outcome!.file).key_value_metadata!.some((pair) => pair.key === 'ARROW:schema')).toBe(true);
  });

  it('the odd chunk first still gives the unified schema', async () => {
    makeRun(dir, { start: 0, end: 39, frequency: 20 });
    commitChunk(dir, 'gpu0', { start: 0, end: 19 }, [{ name: 'out.parquet', from: fixture('odd_int_score.parquet') }]);
    commitChunk(dir, 'gpu0', { start: 20, end: 39 }, [{ name: 'out.parquet', from: A }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const score = readMetadata(outcome!.file).schema.find((element) => element.name === 'score');
    expect(score?.type).toBe('DOUBLE');
    const rows = await readRows(outcome!.file);
    expect(rows[0]!.score).toBe(150 * 3);
    expect(rows[20]!.score).toBe(0);
  });

  it('conflicting schemas are refused, naming the file and the column', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 19 }, [{ name: 'out.parquet', from: A }]);
    const odd = commitChunk(dir, 'gpu0', { start: 20, end: 39 }, [{ name: 'out.parquet', from: fixture('conflict_text_int.parquet') }]);
    const error = await mergeCommitted({ outputDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(`${odd}/out.parquet`);
    expect((error as Error).message).toMatch(/column "text" is INT64, but BYTE_ARRAY \(STRING\)/);
  });
});

describe('logical types unify as Arrow reads them', () => {
  it('a Parquet chunk annotated UTF8 (converted type only) and a JSONL chunk (logical STRING) merge into one string column', async () => {
    makeRun(dir, { start: 0, end: 3, frequency: 2, indexColumn: 'index' });
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'index', data: [0n, 1n] },
        { name: 'text', data: ['zero', null] },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
    });
    expect(readMetadataOf(parquet).schema[2]!.logical_type).toBeUndefined();
    commitChunk(dir, 'cpu0', { start: 0, end: 1 }, [{ name: 'out.parquet', content: new Uint8Array(parquet) }]);
    commitChunk(dir, 'cpu0', { start: 2, end: 3 }, [
      { name: 'out.jsonl', content: '{"index": 2, "text": "two"}\n{"index": 3, "text": null}\n' },
    ]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ rows: 4, path: 'mixed' });
    const text = readMetadata(outcome!.file).schema.find((element) => element.name === 'text');
    expect(text).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect((await readRows(outcome!.file)).map(plain)).toEqual([
      { index: 0, text: 'zero' },
      { index: 1, text: null },
      { index: 2, text: 'two' },
      { index: 3, text: null },
    ]);
  });
});
