/**
 * The WebAssembly row reader's interface as assembly/jsonl-rows.ts defines it (its exports, a
 * column descriptor's words, the kinds of value it takes) and where its memory holds what
 * (descriptors, keys, each column's regions, the input): pure arithmetic, which
 * jsonl-fast-rows.ts applies to an instance.
 */
import type { StoreKind } from '../parquet/index.js';
import { READ_BLOCK } from './jsonl-lines.js';
import type { JsonType } from './jsonl-types.js';

export interface RowsExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  describe(at: number, count: number): void;
  rows(start: number, end: number, rowsLeft: number, bytesLeft: number): number;
  taken(): number;
  takenBytes(): number;
  stopped(): number;
  numberBounds(column: number): void;
  textBounds(column: number): void;
}

/** A count the module takes as a u32: at least 1 (a row group not reached has room for a row), at most 2^32 - 1 (none: no limit). */
export const lineCount = (count: number | undefined) => (count === undefined ? 0xffffffff : Math.max(1, Math.min(count, 0xffffffff)));

// As assembly/jsonl-rows.ts numbers them.
export const DECLINED = 0;
export const ACCEPTED = 1;
export const FULL = 2;
const KIND = { int: 0, number: 1, text: 2, nulls: 3, absent: 4, nothing: 5 } as const;
export const WORD = {
  kind: 0,
  list: 1,
  key: 2,
  keyLength: 3,
  values: 4,
  valuesEnd: 5,
  definitions: 6,
  definitionsEnd: 7,
  repetitions: 8,
  repetitionsEnd: 9,
  ends: 10,
  endsEnd: 11,
  valuesStart: 12,
} as const;
/** Where numberBounds leaves a column's least number and, after it, its greatest (textBounds: their indexes, u32), in bytes from its descriptor. */
export const BOUNDS_BYTE = 72;
export const COLUMN_WORDS = 22;

/** Room for a line (a whole read block), the newline put after it and the 16 bytes the module may read past that. */
export const INPUT_BYTES = READ_BLOCK + 64;
/** The regions' bytes, shared out between the columns (each between the two limits below). */
const REGION_BUDGET = 8 << 20;
const REGION_MIN = 16 << 10;
const REGION_MAX = 1 << 20;

const align = (at: number) => Math.ceil(at / 64) * 64;
const alignDown = (at: number) => Math.floor(at / 64) * 64;

/** Each column's share of the regions at first: a multiple of 64, as every region's start must be (the leaves' views of levels and text ends need aligned offsets). */
export const initialShare = (columns: number) => alignDown(Math.min(REGION_MAX, Math.max(REGION_MIN, REGION_BUDGET / columns)));

/**
 * What the module may take of a column, given the types the file's rows gave it so far and how
 * the target stores it ('types': no target, only the types are read).
 */
export function kindOf(seen: JsonType | undefined, list: boolean, store: StoreKind | 'types' | undefined): number {
  if (seen === undefined) return KIND.nothing;
  const numbers = store === 'int64' || store === 'double' || store === 'types';
  const doubles = store === 'double' || store === 'types';
  if (list) {
    if (typeof seen !== 'object') return KIND.absent;
    if (seen.list === 'int' && numbers) return KIND.int;
    if (seen.list === 'float' && doubles) return KIND.number;
    return KIND.nulls;
  }
  if (seen === 'int' && numbers) return KIND.int;
  if (seen === 'float' && doubles) return KIND.number;
  if (seen === 'string' && (store === 'text' || store === 'types')) return KIND.text;
  return KIND.absent;
}

/** Where a column's regions start: values, definition levels, repetition levels (lists), text ends (text). */
export interface Regions {
  readonly values: number;
  readonly definitions: number;
  readonly repetitions: number;
  readonly ends: number;
}

export interface MemoryLayout {
  readonly descriptors: number;
  readonly keyAt: readonly number[];
  readonly regions: readonly Regions[];
  /** Where each column's last region ends. */
  readonly regionsEnd: readonly number[];
  readonly input: number;
  /** The memory the layout needs. */
  readonly end: number;
}

/**
 * Places the columns' descriptors, their keys, their regions (`share` bytes of values each, levels
 * and text ends in proportion) and, last, an input region of `inputBytes` (so a longer line only
 * moves the end of memory), from `heapBase` on, each start 64-byte aligned.
 */
export function memoryLayout(
  heapBase: number,
  columns: readonly { readonly list: boolean; readonly text: boolean; readonly keyBytes: number }[],
  share: number,
  inputBytes: number,
): MemoryLayout {
  let top = align(heapBase);
  const descriptors = top;
  top = align(top + columns.length * COLUMN_WORDS * 4);
  const keyAt = columns.map(({ keyBytes }) => {
    const at = top;
    top += keyBytes;
    return at;
  });
  top = align(top);
  const regionsEnd: number[] = [];
  const regions = columns.map(({ list, text }) => {
    const levels = align(share / 4);
    const values = top;
    const definitions = values + share;
    const repetitions = definitions + levels;
    const ends = repetitions + (list ? levels : 0);
    top = align(ends + (text ? share / 8 : 0));
    regionsEnd.push(top);
    return { values, definitions, repetitions, ends };
  });
  const input = top;
  return { descriptors, keyAt, regions, regionsEnd, input, end: align(top + inputBytes) };
}
