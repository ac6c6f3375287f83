/**
 * A JSONL row read straight from its bytes into typed leaves, without JSON.parse: no object,
 * string or array is made for the usual row (numbers, plain text, lists of scalars, null), so
 * the merge pays for the bytes, not for the values the parser would allocate.
 *
 * The scanner only takes what it can read exactly as JSON.parse would, and declines the rest:
 * a line it declines is taken back (nothing of it stays in the leaves) and read by the
 * JSON.parse path (jsonl.ts), which reports what is wrong with it or notes a type it changes.
 * It declines objects as values, nested lists, keys it does not know or sees twice, escaped keys,
 * a type change past the rows inference read, and anything that is not valid JSON.
 */
import { isUtf8 } from 'node:buffer';
import { latin1Slice, type TypedLeaf } from '../parquet/index.js';
import { decimalValue } from './decimal.js';
import { listOf, mergeTypes, type JsonType, type ScalarType } from './jsonl-types.js';

/** A column as the scanner reads it: the JSONL shape jsonl.ts gives it (an optional scalar, or an optional list of optional scalars). */
export interface ScannedColumn {
  readonly name: string;
  readonly leaf: number;
  readonly list: boolean;
  /** Shared with the JSON.parse path: the types of the column in the file's rows so far. */
  seen: JsonType | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;

/** Powers of ten a double holds exactly: a decimal of at most 2^53 scaled by one of them rounds once, as JSON.parse rounds. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** A mantissa up to this takes one more digit and stays under 2^53, exact. */
const MANTISSA_BEFORE_DIGIT = (2 ** 53 - 10) / 10;

const DECLINED = Symbol('declined');
const FLOAT_LIST = listOf('float');
const INT_LIST = listOf('int');

/** Bytes a string's scan stops at (1): its closing quote, an escape, a control byte, or non-ASCII. */
const STRING_STOPS = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte === QUOTE || byte === BACKSLASH || byte < 0x20 || byte >= 0x80 ? 1 : 0,
);
const STRING_STOPS_PAST_ASCII = STRING_STOPS.map((stop, byte) => (byte >= 0x80 ? 0 : stop));

type Scalar = number | boolean | null | string | typeof TEXT_BYTES;
/** A string value whose bytes (at textFrom, textTo) are well-formed UTF-8 without escapes: copied, never decoded. */
const TEXT_BYTES = Symbol('text bytes');

export class JsonlRowScanner {
  private bytes: Buffer = Buffer.alloc(0);
  private at = 0;
  private end = 0;
  private textFrom = 0;
  private textTo = 0;
  /** 32-bit words over the buffer `bytes` views (plainRunEnd), made again for another buffer. */
  private wordBuffer: ArrayBufferLike | undefined;
  private words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  /** The value of the number scanNumber read last. */
  private number = 0;
  private readonly names: (Uint8Array | undefined)[];
  private readonly plainNames: boolean[];
  /** The row each column was last seen in, to decline a key given twice. */
  private readonly seenInRow: number[];
  private row = 0;
  private readonly marks: { definitions: number; repetitions: number; values: number; seen: JsonType | undefined }[];
  /** Whether this row may add to its columns' types (a row inference read), as the JSON.parse path would note them. */
  private mayNoteTypes = false;

  constructor(private readonly columns: readonly ScannedColumn[]) {
    const encoder = new TextEncoder();
    // A name with a lone surrogate encodes as U+FFFD, which a line's raw bytes could hold for another key: never matched here.
    this.names = columns.map((column) => (Buffer.from(column.name).toString() === column.name ? encoder.encode(column.name) : undefined));
    // A name whose bytes hold no quote, backslash or control byte is in a line as it is.
    this.plainNames = this.names.map(
      (name) => name !== undefined && name.every((byte) => byte >= 0x20 && byte !== QUOTE && byte !== BACKSLASH),
    );
    this.seenInRow = columns.map(() => -1);
    this.marks = columns.map(() => ({ definitions: 0, repetitions: 0, values: 0, seen: undefined }));
  }

  /**
   * Appends the row in bytes[start, end) to `leaves` and returns true, or returns false with
   * nothing appended: the line is for JSON.parse to read. Without `leaves` only the columns'
   * types are noted (schema inference). bytes[end] must be the line's newline or past the
   * buffer (as forEachLine gives lines): the scanner may look one byte past a line, and a
   * newline there matches nothing it reads.
   */
  scan(bytes: Buffer, start: number, end: number, leaves: readonly TypedLeaf[] | undefined, mayNoteTypes: boolean): boolean {
    this.bytes = bytes;
    this.at = start;
    this.end = end;
    this.mayNoteTypes = mayNoteTypes;
    this.row++;
    if (this.readRow(leaves)) return true;
    // Only the columns this row reached were changed (their marks taken as they were reached).
    const { columns, marks } = this;
    for (let c = 0; c < columns.length; c++) {
      if (this.seenInRow[c] !== this.row) continue;
      const mark = marks[c]!;
      columns[c]!.seen = mark.seen;
      const into = leaves?.[columns[c]!.leaf];
      if (!into) continue;
      into.definitionLevels.truncate(mark.definitions);
      into.repetitionLevels.truncate(mark.repetitions);
      into.values.truncate(mark.values);
    }
    return false;
  }

  private readRow(leaves: readonly TypedLeaf[] | undefined): boolean {
    const { bytes, columns } = this;
    this.skipSpace();
    if (bytes[this.at] !== 0x7b) return false;
    this.at++;
    this.skipSpace();
    let expected = 0;
    if (bytes[this.at] === 0x7d) this.at++;
    else {
      for (;;) {
        if (bytes[this.at] !== QUOTE) return false;
        const column = this.readKey(expected);
        if (column < 0 || this.seenInRow[column] === this.row) return false;
        // The column's marks go with its being reached: a decline from here on restores it to them.
        const scanned = columns[column]!;
        const into = leaves?.[scanned.leaf];
        const mark = this.marks[column]!;
        if (into) {
          mark.definitions = into.definitionLevels.length;
          mark.repetitions = into.repetitionLevels.length;
          mark.values = into.values.count;
        }
        mark.seen = scanned.seen;
        this.seenInRow[column] = this.row;
        expected = column + 1;
        this.skipSpace();
        if (bytes[this.at] !== 0x3a) return false;
        this.at++;
        this.skipSpace();
        if (!(scanned.list ? this.readList(column, into) : this.readScalarColumn(column, into))) return false;
        const item = this.nextItem(0x7d);
        if (item > 0) break;
        if (item < 0) return false;
      }
    }
    this.skipSpace();
    if (this.at < this.end) return false;
    // Keys the row lacks: null, as JSON.parse's path leaves them.
    for (let c = 0; leaves && c < columns.length; c++) {
      if (this.seenInRow[c] === this.row) continue;
      const into = leaves[columns[c]!.leaf]!;
      if (columns[c]!.list) into.repetitionLevels.push(0);
      into.definitionLevels.push(0);
    }
    return true;
  }

  /** After an object's or a list's item: 1 at its closing byte, 0 at a comma (and the spaces after it), -1 at anything else. */
  private nextItem(closing: number): number {
    this.skipSpace();
    const next = this.bytes[this.at++];
    if (next === closing) return 1;
    if (next !== 0x2c) return -1;
    this.skipSpace();
    return 0;
  }

  private skipSpace(): void {
    const { bytes, end } = this;
    // Compact JSON has none: one look, no loop.
    if (bytes[this.at]! > 0x20) return;
    while (this.at < end && isSpace(bytes[this.at]!)) this.at++;
  }

  /** The column a key names (tried first: the one after the previous key), or -1. */
  private readKey(expected: number): number {
    const { bytes, end, names } = this;
    const from = this.at + 1;
    if (expected < names.length && this.plainNames[expected]) {
      // The usual row: its keys in the order of the last, each compared as it is read.
      const name = names[expected]!;
      let i = 0;
      while (i < name.length && bytes[from + i] === name[i]) i++;
      if (i === name.length && bytes[from + i] === QUOTE) {
        this.at = from + i + 1;
        return expected;
      }
    }
    let to = from;
    while (to < end && bytes[to] !== QUOTE) {
      if (bytes[to] === BACKSLASH || bytes[to]! < 0x20) return -1;
      to++;
    }
    if (to >= end) return -1;
    this.at = to + 1;
    if (expected < names.length && this.nameIs(names[expected], from, to)) return expected;
    for (let c = 0; c < names.length; c++) if (c !== expected && this.nameIs(names[c]!, from, to)) return c;
    return -1;
  }

  private nameIs(name: Uint8Array | undefined, from: number, to: number): boolean {
    if (name === undefined || name.length !== to - from) return false;
    for (let i = 0; i < name.length; i++) if (name[i] !== this.bytes[from + i]) return false;
    return true;
  }

  /**
   * Whether the column takes a value of `type`: its types stay as they are, or change as the
   * JSON.parse path would note them on a row inference read (taken back with the row if it is
   * declined). Otherwise that path reports the change, or starts the merge over.
   */
  private keepsTypes(column: number, type: JsonType): boolean {
    const scanned = this.columns[column]!;
    const { seen } = scanned;
    if (seen === type) return true;
    const merged = seen === undefined ? type : mergeTypes(seen, type);
    if (merged === seen) return true;
    if (merged === undefined || !this.mayNoteTypes) return false;
    scanned.seen = merged;
    return true;
  }

  private readScalarColumn(column: number, into: TypedLeaf | undefined): boolean {
    if (into !== undefined && this.readUsualScalar(column, into)) return true;
    const value = this.readScalar();
    if (value === DECLINED || !this.keepsTypes(column, scalarType(value))) return false;
    if (!into) return true;
    if (value === null) {
      into.definitionLevels.push(0);
      return true;
    }
    into.definitionLevels.push(1);
    return this.pushValue(into, value);
  }

  private readList(column: number, into: TypedLeaf | undefined): boolean {
    if (into !== undefined && this.readNumberList(column, into)) return true;
    const { bytes } = this;
    if (bytes[this.at] !== 0x5b) {
      const value = this.readScalar();
      if (value !== null || !this.keepsTypes(column, 'null')) return false;
      into?.repetitionLevels.push(0);
      into?.definitionLevels.push(0);
      return true;
    }
    this.at++;
    this.skipSpace();
    if (bytes[this.at] === 0x5d) {
      this.at++;
      if (!this.keepsTypes(column, listOf('null'))) return false;
      into?.repetitionLevels.push(0);
      into?.definitionLevels.push(1);
      return true;
    }
    let element: ScalarType | undefined = 'null';
    for (let k = 0; ; k++) {
      const value = this.readScalar();
      if (value === DECLINED) return false;
      element = mergeTypes(element, scalarType(value)) as ScalarType | undefined;
      if (element === undefined) return false;
      if (into) {
        into.repetitionLevels.push(k === 0 ? 0 : 1);
        if (value === null) into.definitionLevels.push(2);
        else {
          into.definitionLevels.push(3);
          if (!this.pushValue(into, value)) return false;
        }
      }
      const item = this.nextItem(0x5d);
      if (item > 0) break;
      if (item < 0) return false;
    }
    return this.keepsTypes(column, listOf(element));
  }

  /**
   * The usual value of a text or number column, without the general path's type checks: text
   * into a text column, or a number the column's type already holds (any number in a column of
   * floats, a safe integer in one of ints) into a store of numbers. Returns false with nothing
   * read for anything else, which the general path then reads (and declines, where this could
   * not read a string).
   */
  private readUsualScalar(column: number, into: TypedLeaf): boolean {
    const { seen } = this.columns[column]!;
    const { values } = into;
    const { kind } = values;
    const first = this.bytes[this.at]!;
    if (first === QUOTE) {
      if (seen !== 'string' || kind !== 'text') return false;
      const start = this.at;
      const value = this.readString();
      if (value === DECLINED) {
        this.at = start;
        return false;
      }
      into.definitionLevels.push(1);
      if (value === TEXT_BYTES) values.pushUtf8(this.bytes, this.textFrom, this.textTo);
      else values.pushText(value as string);
      return true;
    }
    if (!(first === 0x2d || isDigit(first)) || (seen !== 'float' && seen !== 'int')) return false;
    if (kind !== 'double' && kind !== 'float' && kind !== 'int64') return false;
    const end = this.scanNumber(this.at);
    const value = this.number;
    if (end < 0 || ((seen === 'int' || kind === 'int64') && !Number.isSafeInteger(value))) return false;
    this.at = end;
    into.definitionLevels.push(1);
    values.pushNumber(value);
    return true;
  }

  /**
   * The usual value of a column of number lists, read in one loop without the general path's
   * per-item calls and type checks: a non-empty list of numbers the column's type already holds
   * (floats, or safe integers in a column of ints) into a store of numbers. Returns false with
   * nothing appended for anything else (an empty list, null items, other values), which the
   * general path then reads.
   */
  private readNumberList(column: number, into: TypedLeaf): boolean {
    const { seen } = this.columns[column]!;
    const { values, definitionLevels, repetitionLevels } = into;
    const { kind } = values;
    if ((seen !== FLOAT_LIST && seen !== INT_LIST) || (kind !== 'double' && kind !== 'float' && kind !== 'int64')) return false;
    const safeIntegers = seen === INT_LIST || kind === 'int64';
    const { bytes, end } = this;
    let at = this.at;
    if (bytes[at] !== 0x5b) return false;
    at++;
    while (at < end && isSpace(bytes[at]!)) at++;
    const mark = this.marks[column]!;
    for (let k = 0; ; k++) {
      const next = this.scanNumber(at);
      const value = this.number;
      if (next < 0 || (safeIntegers && !Number.isSafeInteger(value))) break;
      repetitionLevels.push(k === 0 ? 0 : 1);
      definitionLevels.push(3);
      values.pushNumber(value);
      at = next;
      while (at < end && isSpace(bytes[at]!)) at++;
      const separator = bytes[at++];
      if (separator === 0x5d) {
        this.at = at;
        return true;
      }
      if (separator !== 0x2c) break;
      while (at < end && isSpace(bytes[at]!)) at++;
    }
    definitionLevels.truncate(mark.definitions);
    repetitionLevels.truncate(mark.repetitions);
    values.truncate(mark.values);
    return false;
  }

  private pushValue(into: TypedLeaf, value: Exclude<Scalar, null>): boolean {
    if (value === TEXT_BYTES) {
      if (into.values.kind !== 'text') return false;
      into.values.pushUtf8(this.bytes, this.textFrom, this.textTo);
      return true;
    }
    if (typeof value === 'string') {
      if (into.values.kind !== 'text') return false;
      into.values.pushText(value);
      return true;
    }
    return into.values.push(value) === undefined;
  }

  /** A scalar at the cursor (a string as TEXT_BYTES, or decoded where it has escapes or non-ASCII), or DECLINED. */
  private readScalar(): Scalar | typeof DECLINED {
    const { bytes } = this;
    const first = bytes[this.at]!;
    if (first === QUOTE) return this.readString();
    if (first === 0x2d || isDigit(first)) return this.readNumber();
    if (this.literal('null')) return null;
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    return DECLINED;
  }

  private literal(word: 'null' | 'true' | 'false'): boolean {
    const { bytes, at } = this;
    if (at + word.length > this.end) return false;
    for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word.charCodeAt(i)) return false;
    this.at += word.length;
    return true;
  }

  private readString(): Scalar | typeof DECLINED {
    const { bytes, end } = this;
    const from = this.at + 1;
    let to = from;
    let escaped = false;
    let ascii = true;
    for (;;) {
      // Plain runs go on without a branch per kind of byte (past the line, undefined stops them too);
      // once a non-ASCII byte is seen, the rest are let through (the whole string is checked as UTF-8).
      const stops = ascii ? STRING_STOPS : STRING_STOPS_PAST_ASCII;
      to = this.plainRunEnd(to, ascii);
      while (stops[bytes[to]!] === 0) to++;
      if (to >= end) return DECLINED;
      const byte = bytes[to]!;
      if (byte === QUOTE) break;
      if (byte < 0x20) return DECLINED;
      if (byte === BACKSLASH) {
        escaped = true;
        to += 2;
        continue;
      }
      ascii = false;
      to++;
    }
    this.at = to + 1;
    // Without escapes, well-formed UTF-8 is what decoding and encoding it again would give: copied as it is.
    if (!escaped && (ascii || isUtf8(bytes.subarray(from, to)))) {
      this.textFrom = from;
      this.textTo = to;
      return TEXT_BYTES;
    }
    // Escapes or malformed UTF-8: decoded as the JSON.parse path decodes the line (bad bytes as U+FFFD).
    const literal = bytes.toString('utf8', from - 1, to + 1);
    try {
      return JSON.parse(literal) as string;
    } catch {
      return DECLINED;
    }
  }

  /**
   * At least as far as the plain run from `at` goes (no quote, backslash or control byte, and
   * no non-ASCII byte while `ascii`), whole aligned words of it at a time: where a word may
   * hold a stop (the tests below are exact for "some byte of the word is"), the byte loop takes
   * over from that word's start. Only the line's own bytes are read.
   */
  private plainRunEnd(at: number, ascii: boolean): number {
    const { bytes } = this;
    if (bytes.buffer !== this.wordBuffer) {
      this.wordBuffer = bytes.buffer;
      // Divisions, not shifts: a buffer past 4 GiB (a joined line of that size) keeps its word indexes.
      this.words = new Uint32Array(bytes.buffer, 0, Math.floor(bytes.buffer.byteLength / 4));
    }
    const { words } = this;
    const offset = bytes.byteOffset;
    // The bytes before the first whole word, one at a time (a newline or the buffer's end stops them too).
    let word = Math.floor((offset + at + 3) / 4);
    const stops = ascii ? STRING_STOPS : STRING_STOPS_PAST_ASCII;
    for (const aligned = word * 4 - offset; at < aligned; at++) if (stops[bytes[at]!] !== 0) return at;
    const last = Math.floor((offset + this.end) / 4);
    const highBits = ascii ? 0x80808080 : 0;
    for (; word < last; word++) {
      const w = words[word]!;
      const quote = w ^ 0x22222222;
      const backslash = w ^ 0x5c5c5c5c;
      // A byte under 0x20 (x - 0x20 borrows into its top bit), a zero byte after the xors, or a high bit while ascii.
      const stop = ((w - 0x20202020) & ~w) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash);
      if (((stop & 0x80808080) | (w & highBits)) !== 0) break;
    }
    return word * 4 - offset;
  }

  /** A number in JSON's grammar, valued as JSON.parse values it; DECLINED where the text is not one. */
  private readNumber(): number | typeof DECLINED {
    const end = this.scanNumber(this.at);
    if (end < 0) return DECLINED;
    this.at = end;
    return this.number;
  }

  /**
   * The number literal at `start` (JSON's grammar), valued as JSON.parse values it and left in
   * this.number; returns where it ends, or -1 where the text there is not a number.
   */
  private scanNumber(start: number): number {
    // Digit loops need no bound check: past the line is a newline or undefined, and neither is a digit.
    // The digits go into an exact mantissa while it stays under 2^53, the rest into `extra`.
    const { bytes } = this;
    let at = start;
    const negative = bytes[at] === 0x2d;
    if (negative) at++;
    let mantissa = 0;
    let extra = 0;
    let extraDigits = 0;
    let scale = 0;
    let exponentKept = true;
    let digit = bytes[at]! - 0x30;
    if (digit === 0) at++;
    else if (digit > 0 && digit <= 9) {
      for (; digit >= 0 && digit <= 9; digit = bytes[++at]! - 0x30) {
        if (mantissa <= MANTISSA_BEFORE_DIGIT) mantissa = mantissa * 10 + digit;
        else {
          extra = extra * 10 + digit;
          extraDigits++;
        }
      }
    } else return -1;
    if (bytes[at] === 0x2e) {
      digit = bytes[++at]! - 0x30;
      if (!(digit >= 0 && digit <= 9)) return -1;
      for (; digit >= 0 && digit <= 9; digit = bytes[++at]! - 0x30) {
        if (mantissa <= MANTISSA_BEFORE_DIGIT) mantissa = mantissa * 10 + digit;
        else {
          extra = extra * 10 + digit;
          extraDigits++;
        }
        scale--;
      }
    }
    if (bytes[at] === 0x65 || bytes[at] === 0x45) {
      at++;
      let sign = 1;
      if (bytes[at] === 0x2b || bytes[at] === 0x2d) sign = bytes[at++] === 0x2d ? -1 : 1;
      digit = bytes[at]! - 0x30;
      if (!(digit >= 0 && digit <= 9)) return -1;
      let exponent = 0;
      for (; digit >= 0 && digit <= 9; digit = bytes[++at]! - 0x30) {
        // An exponent past this is beyond any double either way; capped, it is left to Number().
        if (exponent < 1e6) exponent = exponent * 10 + digit;
        else exponentKept = false;
      }
      scale += sign * exponent;
    }
    if (at > this.end) return -1;
    let value: number | undefined;
    if (extraDigits === 0 && exponentKept) {
      if (scale === 0) value = mantissa;
      else if (scale < 0 && scale >= -22) value = mantissa / EXACT_POWERS[-scale]!;
      else if (scale > 0 && scale <= 22) value = mantissa * EXACT_POWERS[scale]!;
    } else if (exponentKept) value = decimalValue(mantissa, extra, extraDigits, scale);
    value ??= Number(latin1Slice(bytes, negative ? start + 1 : start, at));
    this.number = negative ? -value : value;
    return at;
  }
}

function scalarType(value: Scalar): ScalarType {
  if (value === null) return 'null';
  if (value === true || value === false) return 'bool';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'int' : 'float';
  return 'string';
}
