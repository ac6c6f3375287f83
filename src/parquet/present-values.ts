/**
 * A typed leaf's present values, in their physical type's PLAIN layout: numbers in one
 * Float64Array, strings as length-prefixed UTF-8 in one growing buffer (see typed-leaves.ts).
 * Also how a leaf's schema element maps to such a store, the page bytes, the dictionary rule
 * and the statistics made from them.
 */
import type { SchemaElement } from 'hyparquet';
import { withRoom } from './grow.js';

/** `null`: an all-null column (INT32 annotated NULL), which takes no value. */
export type StoreKind = 'bool' | 'int32' | 'int64' | 'float' | 'double' | 'text' | 'json' | 'null';

const PLAIN_NUMBER_TYPES = new Set(['BOOLEAN', 'INT32', 'INT64', 'FLOAT', 'DOUBLE']);

/** How a leaf's values are stored typed, or undefined where its annotation needs the general writer's conversion. */
export function storeKindOf(element: SchemaElement): StoreKind | undefined {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (type === 'BYTE_ARRAY') {
    if (converted === 'JSON' || logical?.type === 'JSON') return 'json';
    const plainText = (converted === undefined || converted === 'UTF8') && (logical === undefined || logical.type === 'STRING');
    return plainText ? 'text' : undefined;
  }
  if (!type || !PLAIN_NUMBER_TYPES.has(type) || converted !== undefined) return undefined;
  // An all-null JSONL column: INT32 annotated NULL, whose values are never present.
  if (logical?.type === 'NULL' && type === 'INT32') return 'null';
  if (logical !== undefined) return undefined;
  return ({ BOOLEAN: 'bool', INT32: 'int32', INT64: 'int64', FLOAT: 'float', DOUBLE: 'double' } as const)[
    type as 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE'
  ];
}

const INITIAL_VALUES = 1024;
const TWO_TO_32 = 2 ** 32;

/** Bytes per value of the fixed-width kinds in PLAIN (booleans are bits: see plain). */
const WIDTH: Record<StoreKind, number> = { bool: 0, int32: 4, int64: 8, float: 4, double: 8, text: 0, json: 0, null: 4 };

/**
 * A leaf's present values (nulls are only levels), in PLAIN order. `push` takes the value as
 * JSON.parse gives it; it returns a problem for a value the column cannot hold exactly, or
 * undefined. Every number kind is held in one Float64Array (JSONL integers are safe integers,
 * exact in a double) and cut to its physical layout when a page is written: one array type for
 * every column keeps the code that fills and reads them monomorphic.
 */
export class PresentValues {
  count = 0;
  private numbers: Float64Array;
  /** Text: each value as a 4-byte little-endian length and its UTF-8 bytes, one after another. */
  private bytes: Uint8Array;
  private bytesLength = 0;
  /** Text: where each value's bytes end (its length prefix included). */
  private ends: Uint32Array;
  /** Numbers: the least and greatest value so far, kept as they come so statistics need no scan... */
  private low = Infinity;
  private high = -Infinity;
  /** ...text: the indexes of the least and greatest value so far (-1: none yet)... */
  private leastText = -1;
  private greatestText = -1;
  /** ...while they hold: not once values were taken back, or a NaN came. */
  private boundsKnown = true;

  constructor(readonly kind: StoreKind) {
    const text = kind === 'text' || kind === 'json';
    this.numbers = new Float64Array(text ? 0 : INITIAL_VALUES);
    this.bytes = new Uint8Array(text ? 64 * INITIAL_VALUES : 0);
    this.ends = new Uint32Array(text ? INITIAL_VALUES : 0);
  }

  push(value: unknown): string | undefined {
    switch (this.kind) {
      case 'text':
        if (typeof value !== 'string') return `holds ${typeof value} where text is stored`;
        this.pushText(value);
        return undefined;
      case 'json':
        this.pushText(JSON.stringify(value));
        return undefined;
      case 'bool':
        if (typeof value !== 'boolean') return `holds ${typeof value} where booleans are stored`;
        this.pushNumber(value ? 1 : 0);
        return undefined;
      case 'int64':
        if (!Number.isSafeInteger(value)) return `holds ${String(value)} where 64-bit integers are stored`;
        this.pushNumber(value as number);
        return undefined;
      case 'null':
        return 'holds a value, and the column only holds nulls in the other chunks';
      case 'int32':
        if (typeof value !== 'number' || (value | 0) !== value) return `holds ${String(value)} where 32-bit integers are stored`;
        this.pushNumber(value);
        return undefined;
      default:
        if (typeof value !== 'number') return `holds ${typeof value} where numbers are stored`;
        this.pushNumber(value);
        return undefined;
    }
  }

  /** A value of a numeric kind, unchecked (as push takes it once checked; booleans as 0 or 1). */
  pushNumber(value: number): void {
    if (this.count === this.numbers.length) this.numbers = withRoom(this.numbers, this.count, this.count + 1);
    this.numbers[this.count++] = value;
    if (value < this.low) this.low = value;
    if (value > this.high) this.high = value;
    if (value !== value) this.boundsKnown = false;
  }

  /**
   * Numbers read elsewhere (the JSONL WebAssembly row reader), checked there as push checks
   * them, appended as they are; `low` and `high` are their least and greatest (none is NaN).
   */
  appendNumbers(numbers: Float64Array, low: number, high: number): void {
    const needed = this.count + numbers.length;
    if (needed > this.numbers.length) this.numbers = withRoom(this.numbers, this.count, needed);
    this.numbers.set(numbers, this.count);
    this.count = needed;
    if (low < this.low) this.low = low;
    if (high > this.high) this.high = high;
  }

  /**
   * Text values read elsewhere, as pushUtf8 stores them: `bytes` holds each value's length
   * prefix and bytes, `ends` where each value ends counted from the start of `bytes`; `bounds`,
   * where given, the indexes among them of their least and greatest (as textBounds finds them).
   */
  appendText(bytes: Uint8Array, ends: Uint32Array, bounds?: { least: number; greatest: number }): void {
    const start = this.bytesLength;
    const first = this.count;
    if (start + bytes.length > this.bytes.length) this.bytes = withRoom(this.bytes, start, start + bytes.length);
    this.bytes.set(bytes, start);
    if (this.count + ends.length > this.ends.length) this.ends = withRoom(this.ends, this.count, this.count + ends.length);
    for (let i = 0; i < ends.length; i++) this.ends[this.count + i] = start + ends[i]!;
    this.count += ends.length;
    this.bytesLength = start + bytes.length;
    // Not known (values were taken back): found from every value when asked.
    if (ends.length === 0 || !this.boundsKnown) return;
    if (!bounds) {
      for (let index = first; index < this.count; index++) this.noteText(index);
      return;
    }
    this.noteText(first + bounds.least);
    this.noteText(first + bounds.greatest);
  }

  /** Value `index` (text) against the least and greatest so far: each value compared with the least, else the greatest. */
  private noteText(index: number): void {
    if (this.leastText < 0) {
      this.leastText = this.greatestText = index;
      return;
    }
    const bytes = this.bytes;
    const start = this.startOf(index);
    const end = this.ends[index]!;
    if (compareBytes(bytes, start, end, this.startOf(this.leastText), this.ends[this.leastText]!) < 0) this.leastText = index;
    else if (compareBytes(bytes, start, end, this.startOf(this.greatestText), this.ends[this.greatestText]!) > 0) this.greatestText = index;
  }

  /** Where text value `index`'s bytes start (past its length prefix). */
  private startOf(index: number): number {
    return (index === 0 ? 0 : this.ends[index - 1]!) + 4;
  }

  /** Room for one more text value of up to `bytes` bytes; returns where its length prefix goes. */
  private textRoom(bytes: number): number {
    // Checked here, not only in withRoom: it serves four array kinds, so a call per value is not inlined.
    if (this.bytesLength + 4 + bytes > this.bytes.length) this.bytes = withRoom(this.bytes, this.bytesLength, this.bytesLength + 4 + bytes);
    if (this.count === this.ends.length) this.ends = withRoom(this.ends, this.count, this.count + 1);
    return this.bytesLength;
  }

  private endText(start: number, written: number): void {
    this.bytes[start] = written & 0xff;
    this.bytes[start + 1] = (written >>> 8) & 0xff;
    this.bytes[start + 2] = (written >>> 16) & 0xff;
    this.bytes[start + 3] = (written >>> 24) & 0xff;
    this.bytesLength = start + 4 + written;
    this.ends[this.count++] = this.bytesLength;
    if (this.boundsKnown) this.noteText(this.count - 1);
  }

  pushText(text: string): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: room for the worst case, then the bytes written counted.
    const start = this.textRoom(3 * text.length);
    const { written } = encoder.encodeInto(text, this.bytes.subarray(start + 4));
    this.endText(start, written);
  }

  /** A text value given as its UTF-8 bytes, source[from, to) (valid UTF-8: the caller checked). */
  pushUtf8(source: Uint8Array, from: number, to: number): void {
    const start = this.textRoom(to - from);
    const into = this.bytes;
    if (to - from < 64) for (let i = from, at = start + 4; i < to; i++, at++) into[at] = source[i]!;
    else into.set(source.subarray(from, to), start + 4);
    this.endText(start, to - from);
  }

  /** Drops the values past the first `count` (a row taken back). */
  truncate(count: number): void {
    if (count === this.count) return;
    this.count = count;
    // Emptied, the bounds start again; values taken back may have been the bounds: scanned for when asked.
    this.boundsKnown = count === 0;
    if (count === 0) {
      this.low = Infinity;
      this.high = -Infinity;
      this.leastText = this.greatestText = -1;
    }
    if (this.kind === 'text' || this.kind === 'json') this.bytesLength = count === 0 ? 0 : this.ends[count - 1]!;
  }

  /** Bytes per value in PLAIN where every value takes the same (numbers), else 0 (text, booleans). */
  get fixedWidth(): number {
    return WIDTH[this.kind];
  }

  /** Numbers (booleans as 0 and 1): the values, without a copy; text: undefined. */
  numberValues(): Float64Array | undefined {
    return this.kind === 'text' || this.kind === 'json' ? undefined : this.numbers.subarray(0, this.count);
  }

  /** Text: where each value's bytes end, counted from the first value's (its length prefix included); other kinds: undefined. */
  textEnds(): Uint32Array | undefined {
    return this.kind === 'text' || this.kind === 'json' ? this.ends.subarray(0, this.count) : undefined;
  }

  /** Where value `index`'s PLAIN bytes end, counted from the first value's (booleans: in bits' worth, rounded down). */
  endByte(index: number): number {
    const { kind } = this;
    if (kind === 'text' || kind === 'json') return this.ends[index]!;
    if (kind === 'bool') return (index + 1) >>> 3;
    return (index + 1) * WIDTH[kind];
  }

  /** The PLAIN bytes of values [from, to): a view of text and doubles, the other kinds cut to their width. */
  plain(from: number, to: number): Uint8Array {
    const { kind, numbers } = this;
    if (kind === 'text' || kind === 'json') {
      const start = from === 0 ? 0 : this.ends[from - 1]!;
      return this.bytes.subarray(start, to === 0 ? 0 : this.ends[to - 1]!);
    }
    if (kind === 'double') return new Uint8Array(numbers.buffer, numbers.byteOffset + from * 8, (to - from) * 8);
    if (kind === 'bool') {
      // PLAIN booleans are bit-packed, first value in the lowest bit.
      const packed = new Uint8Array(Math.ceil((to - from) / 8));
      for (let i = from; i < to; i++) if (numbers[i]) packed[(i - from) >>> 3]! |= 1 << ((i - from) & 7);
      return packed;
    }
    if (kind === 'int64') {
      // Little-endian halves of each safe integer: low 32 bits unsigned, then the high bits (two's complement).
      const halves = new Uint32Array((to - from) * 2);
      for (let i = from, k = 0; i < to; i++, k += 2) {
        const value = numbers[i]!;
        const high = Math.floor(value / TWO_TO_32);
        halves[k] = value - high * TWO_TO_32;
        halves[k + 1] = high >>> 0;
      }
      return new Uint8Array(halves.buffer);
    }
    const cut = kind === 'float' ? Float32Array.from(numbers.subarray(from, to)) : Int32Array.from(numbers.subarray(from, to));
    return new Uint8Array(cut.buffer);
  }

  /**
   * Min and max as hyparquet-writer's statistics hold them (numbers, bigints, booleans; text and
   * JSON as their UTF-8 bytes, in byte order), NaN left out and counted, zeros signed as the
   * Parquet spec says (min -0, max +0).
   */
  statistics(): { min_value?: unknown; max_value?: unknown; nan_count?: bigint } {
    const { count, kind } = this;
    if (kind === 'text' || kind === 'json') {
      if (count === 0) return {};
      if (!this.boundsKnown) this.findTextBounds();
      // Copies (this.bytes is a Uint8Array, whose slice copies): a view would keep the whole row group's text alive.
      const least = this.leastText;
      const greatest = this.greatestText;
      return {
        min_value: this.bytes.slice(this.startOf(least), this.ends[least]),
        max_value: this.bytes.slice(this.startOf(greatest), this.ends[greatest]),
      };
    }
    let min = this.low;
    let max = this.high;
    let nans = 0;
    if (!this.boundsKnown) {
      // Values were taken back (they may have been the bounds), or one is NaN: found again.
      min = Infinity;
      max = -Infinity;
      const values = this.numbers;
      for (let i = 0; i < count; i++) {
        const value = values[i]!;
        if (value !== value) nans++;
        else {
          if (value < min) min = value;
          if (value > max) max = value;
        }
      }
    }
    const floating = kind === 'float' || kind === 'double';
    const nan_count = floating ? BigInt(nans) : undefined;
    if (nans === count) return { nan_count };
    if (kind === 'bool') return { min_value: min === 1, max_value: max === 1 };
    if (kind === 'int64') return { min_value: BigInt(min), max_value: BigInt(max) };
    // A float's bounds as the column holds them: rounded to single precision.
    if (kind === 'float') return { min_value: Math.fround(min) || -0, max_value: Math.fround(max) || 0, nan_count };
    return { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max, nan_count };
  }

  /** The text bounds found again from every value (after values were taken back): known from then on. */
  private findTextBounds(): void {
    this.leastText = this.greatestText = -1;
    for (let index = 0; index < this.count; index++) this.noteText(index);
    this.boundsKnown = true;
  }
}

const encoder = new TextEncoder();

/** Bytes compared one by one before the rest is left to Buffer.compare (values alike for long are compared natively). */
const COMPARED_IN_JS = 32;

/** Unsigned byte order of bytes[aStart, aEnd) and bytes[bStart, bEnd), as Parquet orders byte arrays. */
function compareBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart, COMPARED_IN_JS);
  for (let i = 0; i < length; i++) {
    const difference = bytes[aStart + i]! - bytes[bStart + i]!;
    if (difference !== 0) return difference;
  }
  if (length < COMPARED_IN_JS) return aEnd - aStart - (bEnd - bStart);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.compare(buffer, bStart + length, bEnd, aStart + length, aEnd);
}
