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
import type { TypedLeaf } from '../parquet/index.js';
import { BACKSLASH, DECLINED, isDigit, isSpace, JsonTokenReader, QUOTE, TEXT_BYTES, type Scalar } from './jsonl-tokens.js';
import { listOf, mergeTypes, typesWith, type JsonType, type ScalarType } from './jsonl-types.js';

/** A column as the scanner reads it: the JSONL shape jsonl.ts gives it (an optional scalar, or an optional list of optional scalars). */
export interface ScannedColumn {
  readonly name: string;
  readonly leaf: number;
  readonly list: boolean;
  /** Shared with the JSON.parse path: the types of the column in the file's rows so far. */
  seen: JsonType | undefined;
}

const FLOAT_LIST = listOf('float');
const INT_LIST = listOf('int');

export class JsonlRowScanner extends JsonTokenReader {
  private readonly names: (Uint8Array | undefined)[];
  private readonly plainNames: boolean[];
  /** The row each column was last seen in, to decline a key given twice. */
  private readonly seenInRow: number[];
  private row = 0;
  private readonly marks: { definitions: number; repetitions: number; values: number; seen: JsonType | undefined }[];
  /** Whether this row may add to its columns' types (a row inference read), as the JSON.parse path would note them. */
  private mayNoteTypes = false;

  constructor(private readonly columns: readonly ScannedColumn[]) {
    super();
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
    const merged = typesWith(seen, type);
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
}

function scalarType(value: Scalar): ScalarType {
  if (value === null) return 'null';
  if (value === true || value === false) return 'bool';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'int' : 'float';
  return 'string';
}
