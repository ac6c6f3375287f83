/**
 * The JSONL byte scanner (merge/jsonl-scan.ts) reads rows as JSON.parse reads them: the merged
 * values of generated lines (number literals of every form, escapes, non-ASCII and malformed
 * UTF-8, lists with nulls, odd whitespace, repeated keys) are compared with JSON.parse's values
 * of the same lines, and lines it must decline are still merged or refused as before.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted } from '../src/merge/index.js';
import { FastRows, fastRowsTaken, setFastRowsMode } from '../src/merge/jsonl-fast-rows.js';
import { JsonlRowScanner } from '../src/merge/jsonl-scan.js';
import { listOf } from '../src/merge/jsonl-types.js';
import { emptyTypedLeaves } from '../src/parquet/index.js';
import type { LeafColumn } from '../src/parquet/schema.js';
import { commitChunk, makeRun, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';
import { seededRandom } from './support/faults.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

/** Number literals as JSON writes them, and as people and other tools do. */
function numberLiteral(next: () => number): string {
  const digits = (count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join('');
  const sign = next() < 0.3 ? '-' : '';
  switch (Math.floor(next() * 9)) {
    case 0:
      return `${sign}${Math.floor(next() * 1e6)}.${digits(1 + Math.floor(next() * 20))}`;
    case 1:
      return `${sign}0.${digits(1 + Math.floor(next() * 25))}`;
    case 2:
      return `${sign}${1 + Math.floor(next() * 9)}.${digits(Math.floor(next() * 17) + 1)}e${pick(next, ['', '+', '-'])}${Math.floor(next() * 330)}`;
    case 3:
      return `${sign}${1 + Math.floor(next() * 9)}${digits(Math.floor(next() * 25))}.5`;
    case 4:
      return String((next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
    case 5:
      return pick(next, [
        '-0.0',
        '0.0',
        '1.0',
        '5e-324',
        '1.7976931348623157e308',
        '2.2250738585072014e-308',
        '9007199254740993.0',
        '0.1',
        '1E2',
      ]);
    case 6:
      return `${sign}${digits(1 + Math.floor(next() * 3)).replace(/^0+(?=\d)/, '')}.${digits(2)}E-${Math.floor(next() * 25)}`;
    case 7:
      // 1 to 18 digits before the point, none or 1 to 18 after: around the readers' eight digits at a time and fifteen in all.
      return `${sign}${1 + Math.floor(next() * 9)}${digits(Math.floor(next() * 18))}${next() < 0.4 ? '' : `.${digits(1 + Math.floor(next() * 18))}`}`;
    default:
      return `${sign}${(next() * 1000).toFixed(Math.floor(next() * 10) + 1)}`;
  }
}

const TEXTS = [
  'plain text',
  '',
  'quote \\" and backslash \\\\ and slash \\/',
  'escapes \\n\\t\\r\\b\\f \\u0041\\u00e9\\u4e2d',
  'pair \\ud83d\\ude42 and lone \\udc00',
  'non-ASCII résumé 中文 🙂',
  'long '.repeat(60),
];

const space = (next: () => number) => pick(next, ['', '', ' ', '  ', '\t', ' \t ']);

interface GeneratedLine {
  bytes: Buffer;
}

/** `inOrder`: the keys in one order and no booleans, the row the WebAssembly reader takes when its values are usual. */
function generatedLine(next: () => number, index: number, inOrder = false): GeneratedLine {
  const s = space;
  const fields: string[] = [`"index"${s(next)}:${s(next)}${index}`];
  fields.push(`"x":${s(next)}${next() < 0.1 ? 'null' : numberLiteral(next)}`);
  fields.push(`"t":${s(next)}${next() < 0.1 ? 'null' : `"${pick(next, TEXTS)}"`}`);
  const list =
    next() < 0.1
      ? 'null'
      : `[${Array.from({ length: Math.floor(next() * 5) }, () => (next() < 0.15 ? 'null' : numberLiteral(next))).join(`,${s(next)}`)}]`;
  fields.push(`"l":${s(next)}${list}`);
  if (!inOrder) fields.push(`"b":${s(next)}${pick(next, ['true', 'false', 'null'])}`);
  if (next() < 0.1) fields.pop(); // a key left out: null
  // Keys in any order.
  for (let i = fields.length - 1; i > 1 && !inOrder; i--) {
    const j = 1 + Math.floor(next() * i);
    [fields[i], fields[j]] = [fields[j]!, fields[i]!];
  }
  const text = `${s(next)}{${s(next)}${fields.join(`${s(next)},${s(next)}`)}${s(next)}}${s(next)}${next() < 0.05 ? '\r' : ''}`;
  if (next() < 0.03) {
    // Malformed UTF-8 inside a string: decoded as U+FFFD, as the line's decode gives it.
    const at = text.indexOf('"t":');
    if (at >= 0 && text.startsWith('"', at + 4)) {
      return {
        bytes: Buffer.concat([
          Buffer.from(text.slice(0, at + 5)),
          Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
          Buffer.from(text.slice(at + 5)),
        ]),
      };
    }
  }
  return { bytes: Buffer.from(text) };
}

/** What the JSON.parse path makes of a line: every column, absent keys as null, text as UTF-8 holds it (a lone surrogate as U+FFFD). */
function parsedRow(line: Buffer): Record<string, unknown> {
  const row = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
  const text = typeof row.t === 'string' ? Buffer.from(row.t).toString('utf8') : null;
  return { index: row.index, x: row.x ?? null, t: text, l: row.l ?? null, b: row.b ?? null };
}

/** A run of `rows` generated lines in chunks of 1,000, committed on cpu0; returns the lines in index order. */
function commitGeneratedLines(next: () => number, rows: number, inOrder: boolean): Buffer[] {
  makeRun(dir, { start: 0, end: rows - 1, frequency: 1000, indexColumn: 'index' });
  const lines: Buffer[] = [];
  for (let start = 0; start < rows; start += 1000) {
    const chunkLines = Array.from({ length: 1000 }, (_, k) => generatedLine(next, start + k, inOrder).bytes);
    lines.push(...chunkLines);
    const content = Buffer.concat(chunkLines.flatMap((line) => [line, Buffer.from('\n')]));
    commitChunk(dir, 'cpu0', { start, end: start + 999 }, [{ name: 'rows.jsonl', content }]);
  }
  return lines;
}

describe('the JSONL byte scanner reads what JSON.parse reads', () => {
  it('2,000 generated lines: numbers exact to the bit, text decoded the same, lists and nulls kept', async () => {
    const rows = 2000;
    const lines = commitGeneratedLines(seededRandom(20261129), rows, false);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ path: 'jsonl', rows });
    const merged = (await readRows(outcome!.file)).map(plain) as Record<string, unknown>[];
    lines.forEach((line, i) => {
      const expected = parsedRow(line);
      const got = merged[i]!;
      expect({ line: line.toString(), row: got }).toEqual({ line: line.toString(), row: expected });
      // toEqual takes -0 and 0 as equal: the sign of zero is checked on its own.
      if (typeof expected.x === 'number') expect(Object.is(got.x, expected.x), line.toString()).toBe(true);
    });
  });

  it('a key given twice keeps its last value, as JSON.parse does', async () => {
    makeRun(dir, { start: 0, end: 2, frequency: 3, indexColumn: 'index' });
    const content = '{"index": 0, "x": 1.5}\n{"index": 1, "x": 2.5, "x": 3.5}\n{"x": 4.5, "index": 2}\n';
    commitChunk(dir, 'cpu0', { start: 0, end: 2 }, [{ name: 'rows.jsonl', content }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect((await readRows(outcome!.file)).map(plain)).toEqual([
      { index: 0, x: 1.5 },
      { index: 1, x: 3.5 },
      { index: 2, x: 4.5 },
    ]);
  });

  it.each([
    ['a trailing comma', '{"index": 1, "x": 2.5,}'],
    ['a leading zero', '{"index": 1, "x": 02.5}'],
    ['a bare dot', '{"index": 1, "x": 2.}'],
    ['a misspelt literal', '{"index": 1, "x": nul}'],
    ['a raw tab in a string', '{"index": 1, "x": 2.5, "t": "a\tb"}'],
    ['an unterminated string', '{"index": 1, "x": 2.5, "t": "ab}'],
    ['text after the object', '{"index": 1, "x": 2.5} 7'],
    ['a bad escape', '{"index": 1, "x": 2.5, "t": "\\q"}'],
    ['a missing colon', '{"index" 1, "x": 2.5}'],
  ])('%s: the line is refused naming it, as JSON.parse refuses it', async (_what, bad) => {
    makeRun(dir, { start: 0, end: 2, frequency: 3, indexColumn: 'index' });
    const content = `{"index": 0, "x": 1.5, "t": "a"}\n${bad}\n{"index": 2, "x": 3.5, "t": "c"}\n`;
    commitChunk(dir, 'cpu0', { start: 0, end: 2 }, [{ name: 'rows.jsonl', content }]);
    const failure = await mergeCommitted({ outputDir: dir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DataError);
    expect(String((failure as Error).message)).toMatch(/rows\.jsonl line 2 is not valid JSON/);
  });

  it('a column that turns from int to float within a file is a float column, every value kept', async () => {
    makeRun(dir, { start: 0, end: 3, frequency: 4, indexColumn: 'index' });
    const content = '{"index": 0, "x": 1}\n{"index": 1, "x": 9007199254740991}\n{"index": 2, "x": 2.25}\n{"index": 3, "x": -7}\n';
    commitChunk(dir, 'cpu0', { start: 0, end: 3 }, [{ name: 'rows.jsonl', content }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect((await readRows(outcome!.file)).map((row) => row.x)).toEqual([1, 9007199254740991, 2.25, -7]);
  });

  it('an exponent too long to count is valued as JSON.parse values it (a million-digit fraction and its exponent)', async () => {
    makeRun(dir, { start: 0, end: 1, frequency: 2, indexColumn: 'index' });
    const literal = `0.${'0'.repeat(999_999)}1e10000000`;
    const content = `{"index": 0, "x": 1.5}\n{"index": 1, "x": ${literal}}\n`;
    commitChunk(dir, 'cpu0', { start: 0, end: 1 }, [{ name: 'rows.jsonl', content }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect((await readRows(outcome!.file)).map((row) => row.x)).toEqual([1.5, JSON.parse(literal)]);
  });
});

describe('the scanner declines what only the JSON.parse path may judge', () => {
  const leafOf = (name: string, element: LeafColumn['element']): LeafColumn => ({
    path: [name],
    elements: [{ name: 'schema' }, element],
    element,
    maxRepetition: 0,
    maxDefinition: 1,
  });
  const line = (text: string | Buffer) => {
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from('\n')]);
    return [bytes, 0, bytes.length - 1] as const;
  };

  it('a value in an all-null column, even on a row whose types may still change: nothing appended', () => {
    const leaves = emptyTypedLeaves([
      leafOf('n', { name: 'n', type: 'INT32', repetition_type: 'OPTIONAL', logical_type: { type: 'NULL' } }),
    ]);
    const scanner = new JsonlRowScanner([{ name: 'n', leaf: 0, list: false, seen: 'null' }]);
    expect(scanner.scan(...line('{"n": null}'), leaves, true)).toBe(true);
    expect(scanner.scan(...line('{"n": 5}'), leaves, true)).toBe(false);
    expect([leaves[0]!.definitionLevels.length, leaves[0]!.values.count]).toEqual([1, 0]);
  });

  it('a key whose name holds a lone surrogate is never matched by bytes (they encode as U+FFFD, as another key may be)', () => {
    const leaves = emptyTypedLeaves([leafOf('\ud800', { name: '\ud800', type: 'INT64', repetition_type: 'OPTIONAL' })]);
    const scanner = new JsonlRowScanner([{ name: '\ud800', leaf: 0, list: false, seen: 'int' }]);
    expect(scanner.scan(...line(Buffer.from('{"\ufffd": 1}')), leaves, true)).toBe(false);
    expect(leaves[0]!.definitionLevels.length).toBe(0);
  });

  it('a row declined before its value (a missing colon) leaves the earlier rows as they were', () => {
    const leaves = emptyTypedLeaves([leafOf('a', { name: 'a', type: 'INT64', repetition_type: 'OPTIONAL' })]);
    const scanner = new JsonlRowScanner([{ name: 'a', leaf: 0, list: false, seen: 'int' }]);
    expect(scanner.scan(...line('{"a": 1}'), leaves, false)).toBe(true);
    expect(scanner.scan(...line('{}'), leaves, false)).toBe(true);
    expect(scanner.scan(...line('{"a" 1}'), leaves, false)).toBe(false);
    expect([leaves[0]!.definitionLevels.length, leaves[0]!.values.count]).toEqual([2, 1]);
  });
  it('long strings, read a word at a time: every stop byte found at every offset and alignment, only the line read', () => {
    const element = { name: 't', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as const;
    const plainRun = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3);
    // Each is put at every offset of a long plain run; the line is decoded by JSON.parse to compare (or refused by it).
    // A raw 0xff (malformed UTF-8) too: JSON.parse of the decoded line reads it as U+FFFD, and so must the scanner.
    const stops = ['"', '\\n', '\\"', '\\u00e9', 'é', '€', '\t', '\u0001', '\u007f', '\u0080', '\u00ff', Buffer.from([0xff])];
    let cases = 0;
    for (const stop of stops) {
      for (let offset = 0; offset < 9; offset++) {
        for (let shift = 0; shift < 4; shift++) {
          const line = Buffer.concat([
            Buffer.from(`{"t":"${plainRun.slice(0, 40 + offset)}`),
            Buffer.from(stop),
            Buffer.from(`${plainRun.slice(0, 40)}"}`),
          ]);
          const lineText = line.toString();
          // A buffer whose line starts `shift` bytes in, with bytes past the line that must not be read as its own.
          const bytes = Buffer.concat([Buffer.alloc(shift, 0x41), line, Buffer.from('\n"}"}xxxx')]);
          const start = shift;
          const end = shift + line.length;
          const leaves = emptyTypedLeaves([
            { path: ['t'], elements: [{ name: 'schema' }, element], element, maxRepetition: 0, maxDefinition: 1 },
          ]);
          const scanner = new JsonlRowScanner([{ name: 't', leaf: 0, list: false, seen: 'string' }]);
          let expected: string | undefined;
          try {
            expected = (JSON.parse(lineText) as { t: string }).t;
          } catch {
            expected = undefined;
          }
          const taken = scanner.scan(bytes, start, end, leaves, false);
          if (expected === undefined) expect(taken, lineText).toBe(false);
          else {
            expect(taken, lineText).toBe(true);
            const { values } = leaves[0]!;
            // The stored bytes, not their decoding: a raw 0xff kept as it is would decode to U+FFFD too.
            expect(Buffer.from(values.plain(0, 1)).subarray(4).equals(Buffer.from(expected)), lineText).toBe(true);
          }
          cases++;
        }
      }
    }
    expect(cases).toBe(stops.length * 9 * 4);
  });

  it('a list of ints meeting a fraction part way: the row taken back whole, the values before it with it', () => {
    const element = { name: 'element', type: 'INT64', repetition_type: 'OPTIONAL' } as const;
    const leaves = emptyTypedLeaves([
      {
        path: ['a', 'list', 'element'],
        elements: [{ name: 'schema' }, { name: 'a', repetition_type: 'OPTIONAL' }, { name: 'list', repetition_type: 'REPEATED' }, element],
        element,
        maxRepetition: 1,
        maxDefinition: 3,
      },
    ]);
    const scanner = new JsonlRowScanner([{ name: 'a', leaf: 0, list: true, seen: listOf('int') }]);
    expect(scanner.scan(...line('{"a": [1, 2]}'), leaves, false)).toBe(true);
    expect(scanner.scan(...line('{"a": [3, 4.5, 6]}'), leaves, false)).toBe(false);
    expect(scanner.scan(...line('{"a": [7 , null,8]}'), leaves, false)).toBe(true);
    const { definitionLevels, repetitionLevels, values } = leaves[0]!;
    expect([...definitionLevels.view()]).toEqual([3, 3, 3, 2, 3]);
    expect([...repetitionLevels.view()]).toEqual([0, 1, 0, 1, 1]);
    expect(Buffer.from(values.plain(0, values.count)).equals(Buffer.from(BigInt64Array.from([1n, 2n, 7n, 8n]).buffer))).toBe(true);
  });
});

describe('the WebAssembly row reader takes what the byte scanner takes, valued the same', () => {
  afterEach(() => setFastRowsMode('auto'));

  it("a text column's statistics are its least and greatest values in byte order, with the module or without it", async () => {
    const next = seededRandom(20261202);
    const prefixes = ['', 'a', 'same prefix of more than thirty-two bytes, then ', 'zz', 'é', '中文', '\u007f'];
    const texts = Array.from({ length: 3000 }, () => {
      const tail = Array.from({ length: Math.floor(next() * 12) }, () => pick(next, ['a', 'b', 'z', '0', 'ÿ', 'é', '中', '🙂', ' ']));
      return pick(next, prefixes) + tail.join('');
    });
    makeRun(dir, { start: 0, end: 2999, frequency: 1000, indexColumn: 'index' });
    for (let start = 0; start < 3000; start += 1000) {
      const content = texts
        .slice(start, start + 1000)
        .map((text, k) => `${JSON.stringify({ index: start + k, t: text })}\n`)
        .join('');
      commitChunk(dir, 'cpu0', { start, end: start + 999 }, [{ name: 'rows.jsonl', content }]);
    }
    const sorted = texts.map((text) => Buffer.from(text)).sort(Buffer.compare);
    const asBytes = (value: unknown) => (typeof value === 'string' ? Buffer.from(value) : Buffer.from(value as Uint8Array));
    for (const mode of ['every line', 'off'] as const) {
      setFastRowsMode(mode);
      const takenBefore = fastRowsTaken();
      const [outcome] = await mergeCommitted({ outputDir: dir });
      expect(fastRowsTaken() - takenBefore, mode).toBe(mode === 'off' ? 0 : 3000);
      const stats = readMetadata(outcome!.file).row_groups[0]!.columns[1]!.meta_data!.statistics!;
      expect(asBytes(stats.min_value).equals(sorted[0]!), mode).toBe(true);
      expect(asBytes(stats.max_value).equals(sorted.at(-1)!), mode).toBe(true);
      rmSync(outcome!.file);
    }
  });

  it('takes a block of lines in one call: up to the first it declines, or to the row that reaches the row group', () => {
    const element = { name: 'index', type: 'INT64', repetition_type: 'OPTIONAL' } as const;
    const leaves: LeafColumn[] = [{ path: ['index'], element, elements: [element], maxDefinition: 1, maxRepetition: 0 }];
    let typed = emptyTypedLeaves(leaves);
    const added: number[] = [];
    let gathered = 0;
    const batcher = {
      targetLeaves: leaves,
      typedLeafColumns: () => typed,
      roomLeft: (rows: number, bytes: number) => ({ rows: 4 - gathered - rows, bytes: 1e9 - bytes }),
      wouldReach: (rows: number) => gathered + rows >= 4,
      leafRowsAdded: (rows: number) => {
        added.push(rows);
        gathered += rows;
        if (gathered >= 4) {
          gathered = 0;
          typed = emptyTypedLeaves(leaves);
        }
      },
    };
    const fast = FastRows.open([{ name: 'index', leaf: 0, list: false, seen: 'int' }], { leaves, batcher: batcher as never })!;
    const lines = ['{"index":1}', '{"index":2}', '{"index":3}', '{"index":"\\u0034"}', '{"index":5}', '{"index":6}'];
    const block = Buffer.from(lines.map((line) => `${line}\n`).join(''));
    // Lines 1-3, then the escaped text (declined: the scanner's): 3 lines, the next at line 4's start.
    const first = fast.readLines(block, 0, block.length);
    expect(first).toEqual({ lines: 3, bytes: 33, next: block.indexOf('{"index":"') });
    fast.drain();
    expect(added).toEqual([3]);
    // From line 5: the row group is reached at its 4th row (one more), so the module stops there and the rows go in.
    const fifth = block.indexOf('{"index":5}');
    gathered = 3;
    const second = fast.readLines(block, fifth, block.length);
    expect(second).toEqual({ lines: 2, bytes: 22, next: block.length });
    expect(added).toEqual([3, 1]);
    fast.drain();
    expect(added).toEqual([3, 1, 1]);
    fast.close();
  });

  const mergedBytes = async () => {
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const bytes = readFileSync(outcome!.file);
    rmSync(outcome!.file);
    return { outcome: outcome!, bytes };
  };

  /**
   * Two merged files hold the same: every value (-0 told from 0), and per column chunk the same
   * pages' worth of uncompressed bytes, encodings and statistics. Not the same bytes: the snappy
   * compressor keeps its match table between calls, so the same page may compress differently.
   */
  const expectSameContent = async (a: Awaited<ReturnType<typeof mergedBytes>>, b: Awaited<ReturnType<typeof mergedBytes>>) => {
    const described = async ({ outcome, bytes }: Awaited<ReturnType<typeof mergedBytes>>) => {
      writeFileSync(outcome.file, bytes);
      const chunks = readMetadata(outcome.file).row_groups.map((group) =>
        group.columns.map(({ meta_data: meta }) => [
          meta!.path_in_schema,
          meta!.num_values,
          meta!.total_uncompressed_size,
          meta!.encodings,
          meta!.statistics,
        ]),
      );
      const rows = await readRows(outcome.file);
      rmSync(outcome.file);
      const exact = (_key: string, value: unknown) =>
        typeof value === 'bigint'
          ? `${value}n`
          : Object.is(value, -0)
            ? '-0'
            : value instanceof Uint8Array
              ? Buffer.from(value).toString('hex')
              : value;
      return JSON.stringify({ chunks, rows }, exact);
    };
    expect(await described(b)).toBe(await described(a));
  };

  it('3,000 generated lines in key order: numbers exact to the bit, most rows taken by it, and the same file without it', async () => {
    const rows = 3000;
    const lines = commitGeneratedLines(seededRandom(20261130), rows, true);
    setFastRowsMode('every line');
    const takenBefore = fastRowsTaken();
    const withReader = await mergedBytes();
    const taken = fastRowsTaken() - takenBefore;
    // Escapes, non-ASCII text, keys left out and numbers that need Number() are declined; the rest is its.
    expect(taken).toBeGreaterThan(rows * 0.2);
    expect(taken).toBeLessThan(rows);
    writeFileSync(withReader.outcome.file, withReader.bytes);
    const values = (await readRows(withReader.outcome.file)).map(plain) as Record<string, unknown>[];
    lines.forEach((line, i) => {
      const { b: _b, ...expected } = parsedRow(line);
      const got = values[i]!;
      expect({ line: line.toString(), row: got }).toEqual({ line: line.toString(), row: expected });
      if (typeof expected.x === 'number') expect(Object.is(got.x, expected.x), line.toString()).toBe(true);
    });
    rmSync(withReader.outcome.file);
    setFastRowsMode('off');
    const takenOff = fastRowsTaken();
    const without = await mergedBytes();
    expect(fastRowsTaken()).toBe(takenOff);
    await expectSameContent(withReader, without);
  });

  it('keys in any order, some left out, one given twice: every row taken but the one with the repeated key, read back as JSON.parse reads them', async () => {
    const next = seededRandom(20261201);
    const keys = ['index', 'n', 't', 'l', 'f'];
    const rows = Array.from({ length: 400 }, (_, index) => {
      const row: Record<string, unknown> = { index, n: index * 3, t: `text ${index}`, l: [index, 0.5], f: index / 8 };
      // Keys shuffled; each but index left out one time in five.
      const order = keys.slice(1).sort(() => next() - 0.5);
      const kept = order.filter(() => next() >= 0.2);
      return Object.fromEntries([['index', index], ...kept.map((key) => [key, row[key]])]);
    });
    const lines = rows.map((row) => JSON.stringify(row));
    // The first row holds every key, so the schema has them all; one row repeats a key (JSON.parse keeps the last).
    lines[0] = JSON.stringify({ index: 0, n: 0, t: 'text 0', l: [0, 0.5], f: 0 });
    lines[7] = '{"index":7,"n":1,"t":"a","n":21}';
    makeRun(dir, { start: 0, end: 399, frequency: 400, indexColumn: 'index' });
    commitChunk(dir, 'cpu0', { start: 0, end: 399 }, [{ name: 'rows.jsonl', content: lines.join('\n') }]);
    setFastRowsMode('every line');
    const takenBefore = fastRowsTaken();
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(fastRowsTaken() - takenBefore).toBe(399);
    const expected = lines.map((line) => ({ n: null, t: null, l: null, f: null, ...(JSON.parse(line) as object) }));
    expect((await readRows(outcome!.file)).map(plain)).toEqual(expected);
  });

  it('a text past its regions with an escape or malformed UTF-8 at its end is declined, without growing them for it; a plain one is taken', async () => {
    const long = 'x'.repeat(3_000_000);
    const lines = [
      JSON.stringify({ index: 0, t: 'first' }),
      JSON.stringify({ index: 1, t: `${long}"` }),
      Buffer.concat([Buffer.from(`{"index":2,"t":"${long}`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]).toString('latin1'),
      JSON.stringify({ index: 3, t: long }),
    ];
    makeRun(dir, { start: 0, end: 3, frequency: 4, indexColumn: 'index' });
    const content = Buffer.concat(lines.map((line) => Buffer.from(`${line}\n`, 'latin1')));
    commitChunk(dir, 'cpu0', { start: 0, end: 3 }, [{ name: 'rows.jsonl', content }]);
    setFastRowsMode('every line');
    const takenBefore = fastRowsTaken();
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(fastRowsTaken() - takenBefore).toBe(2);
    const texts = (await readRows(outcome!.file)).map((row) => row.t);
    expect(texts).toEqual(['first', `${long}"`, `${long}\ufffd(`, long]);
  });

  it('any number of columns, 1 to 70 (each share of its memory a different size): every row taken and read back', async () => {
    setFastRowsMode('every line');
    for (let columns = 1; columns <= 70; columns++) {
      const outputDir = path.join(dir, `columns-${columns}`);
      makeRun(outputDir, { start: 0, end: 2, frequency: 3, indexColumn: 'index' });
      const rows = [0, 1, 2].map((index) => {
        const row: Record<string, unknown> = { index };
        for (let c = 1; c < columns; c++) row[`c${c}`] = c % 3 === 0 ? `text ${index} ${c}` : c % 3 === 1 ? [index, c / 4] : index * c;
        return row;
      });
      commitChunk(outputDir, 'cpu0', { start: 0, end: 2 }, [
        { name: 'rows.jsonl', content: rows.map((row) => JSON.stringify(row)).join('\n') },
      ]);
      const takenBefore = fastRowsTaken();
      const [outcome] = await mergeCommitted({ outputDir });
      expect(fastRowsTaken() - takenBefore, `${columns} columns`).toBe(3);
      expect((await readRows(outcome!.file)).map(plain), `${columns} columns`).toEqual(rows);
    }
  });

  it('text past ASCII at every offset around its 16-byte steps: well-formed UTF-8 taken as it is, each kind of malformed sequence declined', async () => {
    const valid = ['é', '中', '🙂', '\u07ff', '\uffff', '\u{10ffff}'].map((text) => Buffer.from(text));
    // Overlong, a surrogate, past U+10FFFF, a lead byte never used, truncated before an ASCII byte and before the quote, a lone continuation.
    const malformed = [
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xc3, 0x41],
      [0xe2, 0x82],
      [0x80],
    ].map((bytes) => Buffer.from(bytes));
    const lines: Buffer[] = [Buffer.from('{"index":0,"t":"first"}')];
    let validLines = 0;
    for (let offset = 0; offset < 40; offset++) {
      for (const [kind, pieces] of [
        ['valid', valid],
        ['malformed', malformed],
      ] as const) {
        for (const piece of pieces) {
          const index = lines.length;
          lines.push(
            Buffer.concat([Buffer.from(`{"index":${index},"t":"${'a'.repeat(offset)}`), piece, Buffer.from(`${'b'.repeat(offset % 7)}"}`)]),
          );
          if (kind === 'valid') validLines++;
        }
      }
    }
    makeRun(dir, { start: 0, end: lines.length - 1, frequency: lines.length, indexColumn: 'index' });
    const content = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
    commitChunk(dir, 'cpu0', { start: 0, end: lines.length - 1 }, [{ name: 'rows.jsonl', content }]);
    setFastRowsMode('every line');
    const takenBefore = fastRowsTaken();
    const [outcome] = await mergeCommitted({ outputDir: dir });
    // The first row too: the target's types are known before the file is read.
    expect(fastRowsTaken() - takenBefore).toBe(validLines + 1);
    const texts = (await readRows(outcome!.file)).map((row) => row.t);
    expect(texts).toEqual(lines.map((line) => (JSON.parse(line.toString('utf8')) as { t: string }).t));
  });

  it('rows larger than a read block and its regions (a 2 MB text, a list of 300,000 numbers) are its too, as is every row from the first', async () => {
    const rows = [
      ...Array.from({ length: 5 }, (_, i) => ({ index: i, t: `row ${i}`, l: [i, i + 0.5] })),
      // A float in a column of ints so far: the target's column is one of floats, which the reader takes.
      { index: 5, t: 'widened', l: [0.25], n: 1.5 },
      ...Array.from({ length: 34 }, (_, i) => ({ index: 6 + i, t: `row ${6 + i}`, l: [i], n: i })),
      { index: 40, t: 'x'.repeat(2_000_000), l: [1] },
      { index: 41, t: 'after', l: Array.from({ length: 300_000 }, (_, k) => k / 4) },
      ...Array.from({ length: 58 }, (_, i) => ({ index: 42 + i, t: i % 3 ? null : `end ${i}`, l: i % 2 ? null : [] })),
    ].map((row) => ({ n: 1, ...row }));
    makeRun(dir, { start: 0, end: 99, frequency: 100, indexColumn: 'index' });
    commitChunk(dir, 'cpu0', { start: 0, end: 99 }, [{ name: 'rows.jsonl', content: rows.map((row) => JSON.stringify(row)).join('\n') }]);
    setFastRowsMode('every line');
    const takenBefore = fastRowsTaken();
    const withReader = await mergedBytes();
    expect(fastRowsTaken() - takenBefore).toBe(rows.length);
    writeFileSync(withReader.outcome.file, withReader.bytes);
    expect((await readRows(withReader.outcome.file)).map(plain)).toEqual(rows);
    rmSync(withReader.outcome.file);
    setFastRowsMode('off');
    await expectSameContent(withReader, await mergedBytes());
  });
});
