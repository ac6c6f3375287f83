import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted } from '../src/merge/index.js';
import { inferJsonlSchema, jsonTypeOfField } from '../src/merge/jsonl-infer.js';
import { typeOfValue } from '../src/merge/jsonl-types.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { commitChunk, fixture, makeRun, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
  makeRun(dir, { start: 0, end: 5, frequency: 3, indexColumn: 'index' });
});
afterEach(() => removeDir(dir));

const jsonl = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

describe('JSONL chunk outputs are converted, types inferred across the chunks', () => {
  it('ints, floats, strings, bools, lists of numbers, nulls and objects', async () => {
    commitChunk(dir, 'cpu0', { start: 0, end: 2 }, [
      {
        name: 'rows.jsonl',
        content: jsonl([
          { index: 0, score: 1, text: 'a', ok: true, emb: [1, 2], maybe: null, meta: { k: 1 } },
          { index: 1, score: 2, text: 'b', ok: false, emb: [3], maybe: null, meta: { k: 2 } },
          { index: 2, score: 3, text: 'c', ok: null, emb: null, maybe: null, meta: null },
        ]),
      },
    ]);
    // Here score turns float and emb holds floats (and a null one): both widen across the chunks; maybe gets a type.
    commitChunk(dir, 'cpu0', { start: 3, end: 5 }, [
      {
        name: 'rows.jsonl',
        content: jsonl([
          { index: 3, score: 4.5, text: 'd', ok: true, emb: [0.5, null, 1.5], maybe: 'x', meta: { k: [1] } },
          { index: 4, score: 5, text: 'e', ok: true, emb: [], maybe: null },
          { index: 5, score: 6, text: 'f', ok: false, emb: [7], maybe: 'y', meta: {} },
        ]),
      },
    ]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ path: 'jsonl', rows: 6 });
    const types = Object.fromEntries(
      readMetadata(outcome!.file)
        .schema.slice(1)
        .map((element) => [element.name, element.type ?? element.converted_type]),
    );
    expect(types).toMatchObject({
      index: 'INT64',
      score: 'DOUBLE',
      text: 'BYTE_ARRAY',
      ok: 'BOOLEAN',
      emb: 'LIST',
      maybe: 'BYTE_ARRAY',
      meta: 'BYTE_ARRAY',
    });
    const rows = (await readRows(outcome!.file)).map(plain);
    expect(rows).toEqual([
      { index: 0, score: 1, text: 'a', ok: true, emb: [1, 2], maybe: null, meta: { k: 1 } },
      { index: 1, score: 2, text: 'b', ok: false, emb: [3], maybe: null, meta: { k: 2 } },
      { index: 2, score: 3, text: 'c', ok: null, emb: null, maybe: null, meta: null },
      { index: 3, score: 4.5, text: 'd', ok: true, emb: [0.5, null, 1.5], maybe: 'x', meta: { k: [1] } },
      { index: 4, score: 5, text: 'e', ok: true, emb: [], maybe: null, meta: null },
      { index: 5, score: 6, text: 'f', ok: false, emb: [7], maybe: 'y', meta: {} },
    ]);
  });

  it('JSONL and Parquet chunks of one device merge into one schema', async () => {
    makeRun(dir, { start: 0, end: 59, frequency: 50 });
    commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: fixture('chunk_a.snappy.parquet') }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 59 }, [
      { name: 'out.jsonl', content: jsonl([{ index: 50, text: 'j', score: 2, flag: true, note: null, embedding: [1.5, 2] }]) },
    ]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ path: 'mixed', rows: 51 });
    const rows = await readRows(outcome!.file);
    expect(plain(rows[50])).toEqual({ index: 50, text: 'j', score: 2, flag: true, note: null, embedding: [1.5, 2] });
  });

  it('JSONL rows next to Parquet chunks with a struct, a list of structs and a required column the JSONL rows fill or leave null', async () => {
    const parquetChunk = new Uint8Array(
      parquetWriteBuffer({
        schema: [
          { name: 'schema', num_children: 4 },
          { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
          { name: 's', repetition_type: 'OPTIONAL', num_children: 2 },
          { name: 'x', type: 'INT64', repetition_type: 'OPTIONAL' },
          { name: 'y', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
          { name: 'pairs', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
          { name: 'k', type: 'INT64', repetition_type: 'OPTIONAL' },
          { name: 'v', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
          { name: 'name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        ] as never,
        columnData: [
          { name: 'index', data: [0n, 1n] },
          { name: 's', data: [{ x: 5n, y: 'five' }, null] },
          { name: 'pairs', data: [[{ k: 1n, v: 0.5 }], []] },
          { name: 'name', data: ['p0', 'p1'] },
        ],
      }),
    );
    makeRun(dir, { start: 0, end: 3, frequency: 2 });
    commitChunk(dir, 'cpu0', { start: 0, end: 1 }, [{ name: 'out.parquet', content: parquetChunk }]);
    commitChunk(dir, 'cpu0', { start: 2, end: 3 }, [
      {
        name: 'rows.jsonl',
        content: jsonl([
          { index: 2, name: 'j2' },
          { index: 3, name: 'j3', s: null },
        ]),
      },
    ]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ rows: 4, path: 'mixed' });
    expect((await readRows(outcome!.file)).map(plain)).toEqual([
      { index: 0, s: { x: 5, y: 'five' }, pairs: [{ k: 1, v: 0.5 }], name: 'p0' },
      { index: 1, s: null, pairs: [], name: 'p1' },
      { index: 2, s: null, pairs: null, name: 'j2' },
      { index: 3, s: null, pairs: null, name: 'j3' },
    ]);
  });

  it("a target column's JSONL types are read back from its schema as inference wrote them", async () => {
    const file = path.join(dir, 'types.jsonl');
    const row = { n: null, b: true, i: 1, f: 0.5, s: 'x', o: { a: 1 }, li: [1], lf: [0.5], ls: ['a'], ln: [null], lb: [false] };
    writeFileSync(file, `${JSON.stringify(row)}\n`);
    const schema = await inferJsonlSchema({ kind: 'jsonl', file, rows: 1, bytes: 0, typesFrom: 'every row' });
    const types = Object.fromEntries(schema.children.map((field) => [field.element.name, jsonTypeOfField(field)]));
    expect(types).toEqual(Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeOfValue(value)])));
  });

  it('a column that changes type is refused, naming the file, the line and the column', async () => {
    const chunk = commitChunk(dir, 'cpu0', { start: 0, end: 2 }, [
      {
        name: 'rows.jsonl',
        content: jsonl([
          { index: 0, text: 'a' },
          { index: 1, text: 5 },
          { index: 2, text: 'c' },
        ]),
      },
    ]);
    commitChunk(dir, 'cpu0', { start: 3, end: 5 }, [{ name: 'rows.jsonl', content: jsonl([{ index: 3 }, { index: 4 }, { index: 5 }]) }]);
    const error = await mergeCommitted({ outputDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      `${chunk}/rows.jsonl line 2: column "text" is int here but string on earlier lines; a column must keep one type`,
    );
  });

  it('a line that is not JSON is named', async () => {
    const chunk = commitChunk(dir, 'cpu0', { start: 0, end: 2 }, [
      { name: 'rows.jsonl', content: '{"index": 0}\n{"index": 1\n{"index": 2}\n' },
    ]);
    commitChunk(dir, 'cpu0', { start: 3, end: 5 }, [{ name: 'rows.jsonl', content: jsonl([{ index: 3 }, { index: 4 }, { index: 5 }]) }]);
    await expect(mergeCommitted({ outputDir: dir })).rejects.toThrow(`${chunk}/rows.jsonl line 2 is not valid JSON`);
  });

  it('rows of several MB (each spanning many reads), multi-byte text and a last line without a newline come through whole', async () => {
    makeRun(dir, { start: 0, end: 3, frequency: 2, indexColumn: 'index' });
    const big = (seed: number, length: number) => {
      const words = ['ß', 'α', 'é', 'ascii', '漢字', '🙂'];
      let text = '';
      for (let i = 0; text.length < length; i++) text += words[(seed + i) % words.length];
      return text;
    };
    const rows = [
      { index: 0, text: big(0, 3_000_000), emb: Array.from({ length: 200_000 }, (_, i) => i / 7) },
      { index: 1, text: 'small', emb: [1] },
      { index: 2, text: big(1, 5_000_000), emb: null },
      { index: 3, text: big(2, 1_500_000), emb: [0.5] },
    ];
    commitChunk(dir, 'cpu0', { start: 0, end: 1 }, [{ name: 'rows.jsonl', content: jsonl(rows.slice(0, 2)) }]);
    commitChunk(dir, 'cpu0', { start: 2, end: 3 }, [{ name: 'rows.jsonl', content: jsonl(rows.slice(2)).trimEnd() }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ path: 'jsonl', rows: 4 });
    expect((await readRows(outcome!.file)).map(plain)).toEqual(rows);
  });

  it('lines ending exactly at or one byte past a 1 MiB read, CRLF line ends, blank lines and a column null on every row', async () => {
    makeRun(dir, { start: 0, end: 3, frequency: 4, indexColumn: 'index' });
    const READ_BLOCK = 1 << 20;
    const lineOf = (index: number, text: string) => JSON.stringify({ index, text, never: null });
    // The first line's newline is the last byte of the first read; the second's lands one byte into the next read.
    const first = lineOf(0, '');
    const firstText = 'x'.repeat(READ_BLOCK - 1 - first.length);
    const second = lineOf(1, '');
    const secondText = 'é'.repeat(Math.floor((READ_BLOCK + 1 - second.length) / 2));
    const content = `${lineOf(0, firstText)}\n${lineOf(1, secondText)}\r\n\n  \n${lineOf(2, 'c')}\r\n${lineOf(3, 'ß')}`;
    expect(Buffer.byteLength(`${lineOf(0, firstText)}\n`)).toBe(READ_BLOCK);
    commitChunk(dir, 'cpu0', { start: 0, end: 3 }, [{ name: 'rows.jsonl', content }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ path: 'jsonl', rows: 4 });
    expect(readMetadata(outcome!.file).schema.map((element) => element.name)).toEqual(['schema', 'index', 'text', 'never']);
    expect((await readRows(outcome!.file)).map(plain)).toEqual([
      { index: 0, text: firstText, never: null },
      { index: 1, text: secondText, never: null },
      { index: 2, text: 'c', never: null },
      { index: 3, text: 'ß', never: null },
    ]);
  });

  it('a column null at first and then a list, a list of ints joined by floats, a key first seen part way: typed as every row says, columns in first-seen order', async () => {
    makeRun(dir, { start: 0, end: 5, frequency: 6, indexColumn: 'index' });
    const rows = [
      { index: 0, emb: null },
      { index: 1, emb: null },
      { index: 2, emb: [1, 2] },
      { index: 3, emb: [0.5], late: 'x' },
      { index: 4, emb: [], late: null },
      { index: 5, emb: [3], late: 'y' },
    ];
    commitChunk(dir, 'cpu0', { start: 0, end: 5 }, [{ name: 'rows.jsonl', content: jsonl(rows) }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const schema = readMetadata(outcome!.file).schema.slice(1);
    expect(schema.map((element) => [element.name, element.type ?? element.converted_type])).toEqual([
      ['index', 'INT64'],
      ['emb', 'LIST'],
      ['list', undefined],
      ['element', 'DOUBLE'],
      ['late', 'BYTE_ARRAY'],
    ]);
    expect((await readRows(outcome!.file)).map(plain)).toEqual(rows.map((row) => ({ late: null, ...row })));
  });

  // Inference reads each file's first 500 rows (or 1 MiB, but at least 10 rows); the write pass checks the rest against them.
  it('a row past the first rows inference reads that widens a column, adds one, or types a null-only one: every row comes through as if all were read', async () => {
    makeRun(dir, { start: 0, end: 1199, frequency: 1200, indexColumn: 'index' });
    const rows = Array.from({ length: 1200 }, (_, index) => ({
      index,
      score: index === 900 ? 0.5 : index,
      late: index >= 1100 ? `late ${index}` : null,
      ...(index === 1150 ? { extra: [1, 2.5] } : {}),
    }));
    commitChunk(dir, 'cpu0', { start: 0, end: 1199 }, [{ name: 'rows.jsonl', content: jsonl(rows) }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ path: 'jsonl', rows: 1200 });
    const types = Object.fromEntries(
      readMetadata(outcome!.file)
        .schema.slice(1)
        .map((element) => [element.name, element.type ?? element.converted_type]),
    );
    expect(types).toMatchObject({ index: 'INT64', score: 'DOUBLE', late: 'BYTE_ARRAY', extra: 'LIST', element: 'DOUBLE' });
    expect((await readRows(outcome!.file)).map(plain)).toEqual(rows.map((row) => ({ extra: null, ...row })));
  });

  it("inference's sample ends where it says: the 500th row, or the row that makes 1 MiB once 10 rows are read", async () => {
    const scoreType = async (lines: string[]) => {
      const file = path.join(dir, 'sample.jsonl');
      writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
      const source = { kind: 'jsonl', file, rows: lines.length, bytes: statSync(file).size, typesFrom: 'first rows' } as const;
      const schema = await inferJsonlSchema(source);
      return schema.children.find((child) => child.element.name === 'score')!.element.type;
    };
    const small = (floatAt: number) => Array.from({ length: 1000 }, (_, i) => `{"index":${i},"score":${i === floatAt ? 0.5 : i}}`);
    expect(await scoreType(small(499))).toBe('DOUBLE');
    expect(await scoreType(small(500))).toBe('INT64');
    // Rows of 200 KB: 1 MiB is passed at the 6th, but 10 rows are read.
    const pad = 'x'.repeat(200_000);
    const big = (floatAt: number) =>
      Array.from({ length: 30 }, (_, i) => `{"index":${i},"score":${i === floatAt ? 0.5 : i},"pad":"${pad}"}`);
    expect(await scoreType(big(9))).toBe('DOUBLE');
    expect(await scoreType(big(10))).toBe('INT64');
    // Rows of 30 KB: the 35th passes 1 MiB and is the last read.
    const mid = 'y'.repeat(30_000);
    const rows30k = (floatAt: number) =>
      Array.from({ length: 100 }, (_, i) => `{"index":${i},"score":${i === floatAt ? 0.5 : i},"pad":"${mid}"}`);
    expect(await scoreType(rows30k(34))).toBe('DOUBLE');
    expect(await scoreType(rows30k(35))).toBe('INT64');
  });

  it('a column that changes type past the first rows is refused with the line that changes it', async () => {
    makeRun(dir, { start: 0, end: 999, frequency: 1000, indexColumn: 'index' });
    const rows = Array.from({ length: 1000 }, (_, index) => ({ index, text: index === 700 ? 7 : `row ${index}` }));
    const chunk = commitChunk(dir, 'cpu0', { start: 0, end: 999 }, [{ name: 'rows.jsonl', content: jsonl(rows) }]);
    await expect(mergeCommitted({ outputDir: dir })).rejects.toThrow(
      `${chunk}/rows.jsonl line 701: column "text" is int here but string on earlier lines; a column must keep one type`,
    );
  });
});
