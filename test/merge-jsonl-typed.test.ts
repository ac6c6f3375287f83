/**
 * JSONL rows gathered typed (parquet/typed-leaves.ts) and written as PLAIN pages by our own
 * column writer (parquet/typed-column-writer.ts): values, nulls, lists, page splits and the
 * statistics readers prune row groups by, read back by hyparquet and by DuckDB.
 */
import { readFileSync } from 'node:fs';
import { readOffsetIndex } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCommitted } from '../src/merge/index.js';
import { PresentValues } from '../src/parquet/present-values.js';
import { commitChunk, makeRun, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

let duckdb: typeof import('@duckdb/node-api') | undefined;
try {
  duckdb = await import('@duckdb/node-api');
} catch {
  duckdb = undefined;
}

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const ROWS = 3000;
// Long enough that a row group's text spans several 1 MiB pages.
const pad = 'ü'.repeat(300);

function rowOf(i: number): Record<string, unknown> {
  return {
    index: i,
    big: i % 7 === 0 ? null : (i - 1500) * 3_000_000_000,
    score: i % 5 === 0 ? null : (i - 1000) / 8,
    flag: i % 3 === 0 ? null : i % 2 === 0,
    text: i % 11 === 0 ? null : `row ${String(i).padStart(5, '0')} ${pad} 🙂`,
    emb: i % 13 === 0 ? null : i % 17 === 0 ? [] : [i, i % 4 === 0 ? null : i + 0.5, -i],
    // 50 values a row: the list column spans several pages too, each cut at a row's start.
    vec: i % 19 === 0 ? null : Array.from({ length: 50 }, (_, k) => (k === 7 && i % 3 === 0 ? null : i + k / 64)),
    meta: i % 2 === 0 ? { i, tags: ['a', i] } : null,
    nothing: null,
  };
}

const lines = (from: number, to: number) => {
  let content = '';
  for (let i = from; i <= to; i++) content += `${JSON.stringify(rowOf(i))}\n`;
  return content;
};

async function mergedRun(): Promise<string> {
  makeRun(dir, { start: 0, end: ROWS - 1, frequency: 1000, indexColumn: 'index' });
  for (let start = 0; start < ROWS; start += 1000)
    commitChunk(dir, 'cpu0', { start, end: start + 999 }, [{ name: 'rows.jsonl', content: lines(start, start + 999) }]);
  const [outcome] = await mergeCommitted({ outputDir: dir });
  expect(outcome).toMatchObject({ path: 'jsonl', rows: ROWS });
  return outcome!.file;
}

const expected = () => Array.from({ length: ROWS }, (_, i) => rowOf(i));
const present = <T>(values: T[]) => values.filter((value) => value !== null) as Exclude<T, null>[];

describe('JSONL gathered typed', () => {
  it('reads back value for value, nulls and empty lists kept, text over several pages', async () => {
    const file = await mergedRun();
    const rows = (await readRows(file)).map(plain);
    expect(rows).toEqual(expected());
    const textChunk = readMetadata(file).row_groups[0]!.columns.find((column) => column.meta_data?.path_in_schema[0] === 'text')!;
    // 3000 rows of ~620 bytes of text: at least two pages in the column chunk.
    expect(Number(textChunk.meta_data!.total_uncompressed_size)).toBeGreaterThan(1 << 20);
    expect(textChunk.offset_index_offset).toBeDefined();
    const vecChunk = readMetadata(file).row_groups[0]!.columns.find((column) => column.meta_data?.path_in_schema[0] === 'vec')!;
    expect(Number(vecChunk.meta_data!.total_uncompressed_size)).toBeGreaterThan(1 << 20);
    expect(vecChunk.offset_index_offset).toBeDefined();
    // Each page's first row, as the offset index gives it: from 0, rising, within the rows (a list column's pages count rows, not values).
    const bytes = readFileSync(file);
    for (const chunk of [textChunk, vecChunk]) {
      const at = Number(chunk.offset_index_offset);
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, chunk.offset_index_length!);
      const firstRows = readOffsetIndex({ view, offset: 0 }).page_locations.map((location) => Number(location.first_row_index));
      expect(firstRows.length).toBeGreaterThan(1);
      expect(firstRows[0]).toBe(0);
      for (let k = 1; k < firstRows.length; k++) expect(firstRows[k]!).toBeGreaterThan(firstRows[k - 1]!);
      expect(firstRows.at(-1)!).toBeLessThan(ROWS);
    }
  });

  it('statistics: min, max and null counts of every column are those of the values', async () => {
    const file = await mergedRun();
    const rowsWritten = expected();
    const metadata = readMetadata(file);
    const stats = (name: string) => {
      const chunks = metadata.row_groups.flatMap((group) => group.columns.filter((column) => column.meta_data!.path_in_schema[0] === name));
      expect(chunks).toHaveLength(1);
      return chunks[0]!.meta_data!.statistics!;
    };
    const bigs = present(rowsWritten.map((row) => row.big as number | null));
    expect(stats('big')).toMatchObject({
      min_value: BigInt(Math.min(...bigs)),
      max_value: BigInt(Math.max(...bigs)),
      null_count: BigInt(ROWS - bigs.length),
    });
    const scores = present(rowsWritten.map((row) => row.score as number | null));
    expect(stats('score')).toMatchObject({
      min_value: Math.min(...scores),
      max_value: Math.max(...scores),
      null_count: BigInt(ROWS - scores.length),
    });
    expect(stats('flag')).toMatchObject({ min_value: false, max_value: true });
    const texts = present(rowsWritten.map((row) => row.text as string | null)).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    // Text bounds are truncated (to 16 bytes): min a prefix of the least value, max at or above the greatest.
    const text = stats('text');
    expect(text.null_count).toBe(BigInt(ROWS - texts.length));
    expect(texts[0]!.startsWith(text.min_value as string)).toBe(true);
    expect((text.min_value as string).startsWith('row 00001')).toBe(true);
    expect(Buffer.compare(Buffer.from(text.max_value as string), Buffer.from(texts.at(-1)!))).toBeGreaterThanOrEqual(0);
    expect((text.max_value as string).startsWith('row 02999')).toBe(true);
    // Elements: slots of null and empty lists count as nulls, as hyparquet-writer counts them.
    const slots = rowsWritten.map((row) => row.emb as (number | null)[] | null);
    const elements = present(slots.flatMap((list) => (list && list.length > 0 ? list : [null])));
    expect(stats('emb')).toMatchObject({ min_value: Math.min(...elements), max_value: Math.max(...elements) });
    expect(stats('nothing')).toMatchObject({ null_count: BigInt(ROWS) });
  });

  it.skipIf(!duckdb)('DuckDB reads the same rows, and its statistics-pruned filters find every match', async () => {
    const file = await mergedRun();
    const instance = await duckdb!.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const quoted = `'${file.replaceAll("'", "''")}'`;
    const scalar = async (sql: string) => Number((await connection.runAndReadAll(sql)).getRows()[0]![0]);
    try {
      const rowsWritten = expected();
      expect(await scalar(`SELECT count(*) FROM read_parquet(${quoted})`)).toBe(ROWS);
      expect(await scalar(`SELECT sum(index) FROM read_parquet(${quoted})`)).toBe((ROWS * (ROWS - 1)) / 2);
      const count = (keep: (row: Record<string, unknown>) => boolean) => rowsWritten.filter(keep).length;
      expect(await scalar(`SELECT count(*) FROM read_parquet(${quoted}) WHERE score > 200`)).toBe(
        count((row) => (row.score as number) > 200),
      );
      expect(await scalar(`SELECT count(*) FROM read_parquet(${quoted}) WHERE big < -4000000000000`)).toBe(
        count((row) => row.big !== null && (row.big as number) < -4e12),
      );
      expect(await scalar(`SELECT count(*) FROM read_parquet(${quoted}) WHERE text >= 'row 02990'`)).toBe(
        count((row) => row.text !== null && (row.text as string) >= 'row 02990'),
      );
      expect(await scalar(`SELECT count(*) FROM read_parquet(${quoted}) WHERE flag`)).toBe(count((row) => row.flag === true));
      expect(await scalar(`SELECT count(*) FROM read_parquet(${quoted}) WHERE len(emb) = 0`)).toBe(
        count((row) => Array.isArray(row.emb) && row.emb.length === 0),
      );
      expect(await scalar(`SELECT sum(list_sum(emb)) FROM read_parquet(${quoted})`)).toBe(
        rowsWritten.reduce((sum, row) => sum + ((row.emb as (number | null)[] | null) ?? []).reduce<number>((a, b) => a + (b ?? 0), 0), 0),
      );
      expect(await scalar(`SELECT sum(list_sum(vec)) FROM read_parquet(${quoted})`)).toBeCloseTo(
        rowsWritten.reduce((sum, row) => sum + ((row.vec as (number | null)[] | null) ?? []).reduce<number>((a, b) => a + (b ?? 0), 0), 0),
        3,
      );
      expect(await scalar(`SELECT count(*) FROM read_parquet(${quoted}) WHERE vec[8] IS NULL`)).toBe(
        count((row) => row.vec === null || (row.vec as unknown[])[7] === null),
      );
      const text = (await connection.runAndReadAll(`SELECT text FROM read_parquet(${quoted}) WHERE index = 1`)).getRows()[0]![0];
      expect(text).toBe(rowOf(1).text);
    } finally {
      connection.closeSync();
    }
  });

  it('-0, huge and tiny floats, escaped and lone-surrogate text keep their values', async () => {
    makeRun(dir, { start: 0, end: 3, frequency: 4, indexColumn: 'index' });
    const content = [
      '{"index": 0, "x": -0.0, "t": "tab\\there \\"quoted\\" \\u00e9"}',
      '{"index": 1, "x": 1.7976931348623157e308, "t": "\\ud83d\\ude42 pair"}',
      '{"index": 2, "x": 5e-324, "t": "lone \\ud800 surrogate"}',
      '{"index": 3, "x": 0.1, "t": ""}',
    ].join('\n');
    commitChunk(dir, 'cpu0', { start: 0, end: 3 }, [{ name: 'rows.jsonl', content: `${content}\n` }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const rows = await readRows(outcome!.file);
    expect(Object.is(rows[0]!.x, -0)).toBe(true);
    expect(rows.map((row) => row.x)).toEqual([-0, 1.7976931348623157e308, 5e-324, 0.1]);
    // A lone surrogate becomes U+FFFD, as any UTF-8 encoder writes it.
    expect(rows.map((row) => row.t)).toEqual(['tab\there "quoted" é', '🙂 pair', 'lone \ufffd surrogate', '']);
    const stats = readMetadata(outcome!.file).row_groups[0]!.columns[1]!.meta_data!.statistics!;
    expect(stats.max_value).toBe(1.7976931348623157e308);
    expect(Object.is(stats.min_value, -0)).toBe(true);
  });

  it('columns of few distinct values are written with a dictionary, distinct ones plainly; every value reads back, -0 and nulls kept', async () => {
    const rows = 5000;
    const labels = ['positive', 'negative', 'neutral', 'naïve 🙂'];
    const rowAt = (i: number) => ({
      index: i,
      label: i % 17 === 0 ? null : labels[(i * 7) % 4],
      bucket: i % 10,
      score: [0.25, -0, 0, 1.5, -2.75][i % 5],
      tags: i % 11 === 0 ? null : [labels[i % 4], null, labels[(i + 1) % 4]].slice(0, i % 4),
      unique: `row ${i} ${'x'.repeat(i % 50)}`,
    });
    makeRun(dir, { start: 0, end: rows - 1, frequency: rows, indexColumn: 'index' });
    let content = '';
    for (let i = 0; i < rows; i++)
      content += `${JSON.stringify(rowAt(i)).replace('"score":0', i % 5 === 1 ? '"score":-0.0' : '"score":0')}\n`;
    commitChunk(dir, 'cpu0', { start: 0, end: rows - 1 }, [{ name: 'rows.jsonl', content }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const encodings = Object.fromEntries(
      readMetadata(outcome!.file).row_groups[0]!.columns.map((column) => [
        column.meta_data!.path_in_schema[0],
        column.meta_data!.encodings,
      ]),
    );
    expect(encodings).toMatchObject({
      label: ['PLAIN', 'RLE_DICTIONARY'],
      bucket: ['PLAIN', 'RLE_DICTIONARY'],
      score: ['PLAIN', 'RLE_DICTIONARY'],
      tags: ['PLAIN', 'RLE_DICTIONARY'],
      unique: ['PLAIN'],
      index: ['PLAIN'],
    });
    const read = (await readRows(outcome!.file)).map(plain) as Record<string, unknown>[];
    expect(read).toEqual(Array.from({ length: rows }, (_, i) => rowAt(i)));
    read.forEach((row, i) => expect(Object.is(row.score, i % 5 === 1 ? -0 : rowAt(i).score), `row ${i}`).toBe(true));
    if (duckdb) {
      const instance = await duckdb.DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        const quoted = `'${outcome!.file.replaceAll("'", "''")}'`;
        const counted = async (where: string) =>
          Number((await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoted}) WHERE ${where}`)).getRows()[0]![0]);
        expect(await counted(`label = 'naïve 🙂'`)).toBe(
          Array.from({ length: rows }, (_, i) => rowAt(i)).filter((row) => row.label === 'naïve 🙂').length,
        );
        expect(await counted('bucket = 7')).toBe(rows / 10);
        expect(await counted('score < 0')).toBe(rows / 5);
      } finally {
        connection.closeSync();
      }
    }
  });
});

describe('statistics of typed numbers and text, kept as values come', () => {
  it('text: pushed, appended with their bounds or without, taken back: the least and greatest of the values left', () => {
    const values = new PresentValues('text');
    const bounds = () => {
      const { min_value: min, max_value: max } = values.statistics() as { min_value: Uint8Array; max_value: Uint8Array };
      return [Buffer.from(min).toString(), Buffer.from(max).toString()];
    };
    const prefixed = (...texts: string[]) => {
      const parts = texts.map((text) => Buffer.from(text));
      const bytes = Buffer.concat(parts.flatMap((part) => [Buffer.from(Uint32Array.of(part.length).buffer), part]));
      let end = 0;
      return { bytes, ends: Uint32Array.from(parts, (part) => (end += 4 + part.length)) };
    };
    for (const text of ['m', 'b', 'x']) values.pushText(text);
    expect(bounds()).toEqual(['b', 'x']);
    const given = prefixed('y', 'a', 'ab');
    values.appendText(given.bytes, given.ends, { least: 1, greatest: 0 });
    expect(bounds()).toEqual(['a', 'y']);
    const unbounded = prefixed('zz', 'é');
    values.appendText(unbounded.bytes, unbounded.ends);
    expect(bounds()).toEqual(['a', 'é']);
    values.truncate(4);
    expect(bounds()).toEqual(['b', 'y']);
    values.pushUtf8(Buffer.from('c'), 0, 1);
    expect(bounds()).toEqual(['b', 'y']);
    values.truncate(0);
    values.pushText('k');
    expect(bounds()).toEqual(['k', 'k']);
  });

  it('values taken back (a declined row) or a NaN: the bounds are those of the values left', () => {
    const values = new PresentValues('double');
    for (const value of [3, -2, 7]) values.pushNumber(value);
    values.appendNumbers(Float64Array.from([50, -40]), -40, 50);
    expect(values.statistics()).toMatchObject({ min_value: -40, max_value: 50 });
    values.truncate(3);
    expect(values.statistics()).toMatchObject({ min_value: -2, max_value: 7, nan_count: 0n });
    values.pushNumber(Number.NaN);
    expect(values.statistics()).toMatchObject({ min_value: -2, max_value: 7, nan_count: 1n });
    values.truncate(0);
    values.appendNumbers(Float64Array.from([0, 1]), 0, 1);
    expect(values.statistics()).toMatchObject({ min_value: -0, max_value: 1, nan_count: 0n });
  });
});
