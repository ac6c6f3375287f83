// AssemblyScript (compiled to dist/wasm/jsonl-rows.wasm by `npm run build`), driven by
// src/merge/jsonl-fast-rows.ts: the usual JSONL row read from its bytes into per-column regions
// of this module's memory, laid out as the typed leaves hold values (f64 numbers, u16 levels,
// text as a u32 length and its bytes with u32 ends), for the JS side to append to the leaves in
// bulk. It reads what the JS byte scanner (jsonl-scan.ts) reads on its fast paths, valued the
// same way, and declines everything else, which the JS scanner then reads: a row of the
// columns' keys (in any order, each at most once, a missing one null); numbers exact without
// Number(); text without escapes in well-formed UTF-8; null; lists of numbers and nulls. It never changes a column's types: a value that
// would (a float in a column of ints so far, a value in a column of nulls so far) declines.

// A column's descriptor: COLUMN_WORDS u32 words, filled by the JS side.
const KIND = 0; // INT, NUMBER, TEXT, NULLS, ABSENT or NOTHING below
const LIST = 1; // 1: an optional list of optional elements; 0: an optional scalar
const KEY = 2; // the key as the line holds it: its quotes and name
const KEY_LENGTH = 3;
const VALUES = 4; // next free byte of the values region (f64 numbers, or text)
const VALUES_END = 5;
const DEFINITIONS = 6; // u16 definition levels
const DEFINITIONS_END = 7;
const REPETITIONS = 8; // u16 repetition levels (lists)
const REPETITIONS_END = 9;
const ENDS = 10; // u32 text ends
const ENDS_END = 11;
const VALUES_START = 12; // text ends count from the values region's start
const MARKS = 13; // 13-16: the four cursors as the row found them, for a row taken back
const LAST_ROW = 17; // the row that last gave the column's key (rowNumber)
const LOW = 72; // bytes 72-79 and 80-87: the least and greatest number taken, as numberBounds finds them (textBounds: u32 indexes at 72 and 76)
const HIGH = 80;
const COLUMN_WORDS = 22;

/** Safe integers (a column of ints so far), or lists of them. */
const INT = 0;
/** Any number (a column of floats so far), or lists of them. */
const NUMBER = 1;
/** Text. */
const TEXT = 2;
/** Null; for a list column also an empty list and null items (a column of such lists so far, or of lists this module does not read). */
const NULLS = 3;
/** Null only (a column of nulls so far, or of values this module does not read). */
const ABSENT = 4;
/** Nothing, not even null (a column none of the file's rows has had so far: its first value sets its types). */
const NOTHING = 5;

export const DECLINED: i32 = 0;
export const ACCEPTED: i32 = 1;
/** A region would overflow: the JS side empties them into the leaves and asks again. */
export const FULL: i32 = 2;

let columns: usize = 0;
let columnCount: i32 = 0;
let full = false;
/** The value of the number scanNumber read last. */
let number: f64 = 0;

export function heapBase(): usize {
  return __heap_base;
}

export function describe(at: usize, count: i32): void {
  columns = at;
  columnCount = count;
}

@inline function word(column: usize, index: i32): usize {
  return <usize>load<u32>(column + (<usize>index << 2));
}

@inline function setWord(column: usize, index: i32, value: usize): void {
  store<u32>(column + (<usize>index << 2), <u32>value);
}

const POWERS_OF_TEN: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];
/** A mantissa up to this takes one more digit and stays under 2^53. */
const MANTISSA_BEFORE_DIGIT: u64 = 900719925474098;

// decimal.ts's decimalValue, the same arithmetic; NaN where it gives undefined.
@inline function twoProductError(a: f64, b: f64, product: f64): f64 {
  const aSplit = 134217729.0 * a;
  const aHigh = aSplit - (aSplit - a);
  const aLow = a - aHigh;
  const bSplit = 134217729.0 * b;
  const bHigh = bSplit - (bSplit - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

function decimalValue(mantissa: f64, extra: f64, extraDigits: i32, scale: i32): f64 {
  if (extraDigits > 8 || scale >= 0 || scale < -22) return NaN;
  if (mantissa == 0 && extra == 0) return 0;
  const power = unchecked(POWERS_OF_TEN[extraDigits]);
  const product = mantissa * power;
  const low = twoProductError(mantissa, power, product) + extra;
  const mHigh = product + low;
  const added = mHigh - product;
  const mLow = product - (mHigh - added) + (low - added);
  const divisor = unchecked(POWERS_OF_TEN[-scale]);
  const q = mHigh / divisor;
  const p = q * divisor;
  const remainder = mHigh - p - twoProductError(q, divisor, p) + mLow;
  const bits = reinterpret<u64>(q);
  if ((bits & 0xfffffffffffff) == 0) return NaN;
  const ulp = reinterpret<f64>(bits + 1) - q;
  const offset = Math.abs(remainder / divisor) / ulp;
  if (Math.abs(offset - 0.5) < 1e-9 || offset > 1.5) return NaN;
  return q + remainder / divisor;
}

let mantissa: u64 = 0;
let extra: u64 = 0;
let extraDigits: i32 = 0;

@inline function digits(at: usize): usize {
  let digit = <u32>load<u8>(at) - 0x30;
  for (; digit <= 9; digit = <u32>load<u8>(++at) - 0x30) {
    if (mantissa <= MANTISSA_BEFORE_DIGIT) mantissa = mantissa * 10 + <u64>digit;
    else {
      extra = extra * 10 + <u64>digit;
      extraDigits++;
    }
  }
  return at;
}

/** Integer powers of ten up to 10^8, for digits taken eight at a time. */
const INTEGER_POWERS_OF_TEN: StaticArray<u64> = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000];

/** Digits a literal may have for scanNumber to value it here: fewer than 10^15, under 2^53 whatever they are. */
const SHORT_DIGITS = 15;

/** How many of a word's bytes (`word` XOR '0' in each byte, the first in the low byte) are digits before one that is not. */
@inline function leadingDigitCount(word: u64): i32 {
  return <i32>(ctz((word | (word + 0x0606060606060606)) & 0xf0f0f0f0f0f0f0f0) >> 3);
}

/** The value of eight digits (0-9 in each byte, the most significant in the low byte), three multiplications. */
@inline function eightDigitsValue(word: u64): u64 {
  word = ((word & 0x0f0f0f0f0f0f0f0f) * 2561) >> 8;
  word = ((word & 0x00ff00ff00ff00ff) * 6553601) >> 16;
  return ((word & 0x0000ffff0000ffff) * 42949672960001) >> 32;
}

/** Digits read by scanNumber, and how many (leading zeros counted): set by shortDigits. */
let shortMantissa: u64 = 0;
let shortCount: i32 = 0;

/**
 * The digits at `at` (at least one) appended to shortMantissa, eight bytes at a time (a line
 * has 16 bytes to read past its end); returns where they end, or 0 where the literal has more
 * than SHORT_DIGITS.
 */
@inline function shortDigits(at: usize): usize {
  while (true) {
    const word = load<u64>(at) ^ 0x3030303030303030;
    const count = leadingDigitCount(word);
    if (count == 0) return at;
    if (shortCount + count > SHORT_DIGITS) return 0;
    // The digits moved to the word's high bytes: the bytes below are leading zeros.
    shortMantissa = shortMantissa * unchecked(INTEGER_POWERS_OF_TEN[count]) + eightDigitsValue(word << (<u64>(8 - count) << 3));
    shortCount += count;
    at += count;
    if (count < 8) return at;
  }
}

/**
 * A number literal at `start` valued as jsonl-tokens.ts' scanNumber values it without Number(),
 * left in `number`; 0 where it cannot. The usual literal (up to SHORT_DIGITS digits, no
 * exponent) is read here, its digits eight at a time; any other goes to scanLongNumber, which
 * values it whole (the same value for the literals both read: an exact mantissa under 2^53
 * divided by a power of ten up to 10^22).
 */
function scanNumber(start: usize): usize {
  let at = start;
  const negative = load<u8>(at) == 0x2d;
  if (negative) at++;
  shortMantissa = 0;
  shortCount = 0;
  let fraction: i32 = 0;
  const first = <u32>load<u8>(at) - 0x30;
  if (first == 0) at++;
  else if (first <= 9) {
    at = shortDigits(at);
    if (at == 0) return scanLongNumber(start);
  } else return 0;
  if (load<u8>(at) == 0x2e) {
    at++;
    if (<u32>load<u8>(at) - 0x30 > 9) return 0;
    const integerDigits = shortCount;
    at = shortDigits(at);
    if (at == 0) return scanLongNumber(start);
    fraction = shortCount - integerDigits;
  }
  const next = load<u8>(at);
  if (next == 0x65 || next == 0x45) return scanLongNumber(start);
  const exact = <f64>shortMantissa;
  const value = fraction == 0 ? exact : exact / unchecked(POWERS_OF_TEN[fraction]);
  number = negative ? -value : value;
  return at;
}

/** scanNumber's literals of more digits than a mantissa under 2^53 holds, or with an exponent. */
function scanLongNumber(at: usize): usize {
  const negative = load<u8>(at) == 0x2d;
  if (negative) at++;
  mantissa = 0;
  extra = 0;
  extraDigits = 0;
  let scale: i32 = 0;
  let digit = <u32>load<u8>(at) - 0x30;
  if (digit == 0) at++;
  else if (digit <= 9) at = digits(at);
  else return 0;
  if (load<u8>(at) == 0x2e) {
    at++;
    if (<u32>load<u8>(at) - 0x30 > 9) return 0;
    const from = at;
    at = digits(at);
    scale = -<i32>(at - from);
  }
  let next = load<u8>(at);
  if (next == 0x65 || next == 0x45) {
    at++;
    next = load<u8>(at);
    let sign: i32 = 1;
    if (next == 0x2b || next == 0x2d) {
      if (next == 0x2d) sign = -1;
      at++;
    }
    digit = <u32>load<u8>(at) - 0x30;
    if (digit > 9) return 0;
    let exponent: i32 = 0;
    for (; digit <= 9; digit = <u32>load<u8>(++at) - 0x30) {
      // Past this the JS scanner asks Number().
      if (exponent >= 1000000) return 0;
      exponent = exponent * 10 + <i32>digit;
    }
    scale += sign * exponent;
  }
  let value: f64;
  if (extraDigits == 0) {
    const exact = <f64>mantissa;
    if (scale == 0) value = exact;
    else if (scale < 0 && scale >= -22) value = exact / unchecked(POWERS_OF_TEN[-scale]);
    else if (scale > 0 && scale <= 22) value = exact * unchecked(POWERS_OF_TEN[scale]);
    else return 0;
  } else {
    value = decimalValue(<f64>mantissa, <f64>extra, extraDigits, scale);
    if (isNaN(value)) return 0;
  }
  number = negative ? -value : value;
  return at;
}

@inline function skipSpace(at: usize): usize {
  let byte = load<u8>(at);
  while (byte == 0x20 || byte == 0x09 || byte == 0x0d) byte = load<u8>(++at);
  return at;
}

@inline function isNull(at: usize): bool {
  return load<u32>(at) == 0x6c6c756e; // "null"
}

/** Whether a column of `kind` takes the number: a safe integer in a column of ints, any number in one of numbers. */
@inline function takesNumber(kind: usize, value: f64): bool {
  if (kind == NUMBER) return true;
  return kind == INT && Math.trunc(value) == value && Math.abs(value) <= 9007199254740991.0;
}

/**
 * Room for `bytes` in the region whose cursor is word `cursor` of the column (its end word
 * `end`): where they go, the cursor moved past them; or 0, the regions full, where they do not fit.
 */
@inline function claim(column: usize, cursor: i32, end: i32, bytes: usize): usize {
  const at = word(column, cursor);
  if (at + bytes > word(column, end)) {
    full = true;
    return 0;
  }
  setWord(column, cursor, at + bytes);
  return at;
}

@inline function pushLevel(column: usize, cursor: i32, end: i32, level: u16): bool {
  const at = claim(column, cursor, end, 2);
  if (at == 0) return false;
  store<u16>(at, level);
  return true;
}

@inline function pushNumber(column: usize, value: f64): bool {
  const at = claim(column, VALUES, VALUES_END, 8);
  if (at == 0) return false;
  store<f64>(at, value);
  return true;
}

@inline function continuation(at: usize): bool {
  return (load<u8>(at) & 0xc0) == 0x80;
}

/**
 * The length of the well-formed UTF-8 sequence of a character past ASCII at `at` (Unicode's
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or 0: Node's isUtf8
 * takes exactly these.
 */
function utf8Length(at: usize): usize {
  const lead = load<u8>(at);
  const second = load<u8>(at + 1);
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(at + 1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const low: u8 = lead == 0xe0 ? 0xa0 : 0x80;
    const high: u8 = lead == 0xed ? 0x9f : 0xbf;
    return second >= low && second <= high && continuation(at + 2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const low: u8 = lead == 0xf0 ? 0x90 : 0x80;
    const high: u8 = lead == 0xf4 ? 0x8f : 0xbf;
    return second >= low && second <= high && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
  }
  return 0;
}

/** Whether the text from `at` on (inside its quotes) ends at a quote without an escape, a control byte or malformed UTF-8 before it: what readText takes. */
function textTaken(at: usize): bool {
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  for (;;) {
    const mask = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v128.load(at), quote), i8x16.eq(v128.load(at), backslash)), i8x16.lt_s(v128.load(at), space)));
    if (mask == 0) {
      at += 16;
      continue;
    }
    at += <usize>ctz(mask);
    const byte = load<u8>(at);
    if (byte == 0x22) return true;
    if (byte < 0x80) return false;
    const length = utf8Length(at);
    if (length == 0) return false;
    at += length;
  }
  return false;
}

/** Text without escapes at `at` (its opening quote), well-formed UTF-8, stored with its length; returns past its closing quote, or 0. */
function readText(at: usize, column: usize): usize {
  const out = word(column, VALUES);
  const outEnd = word(column, VALUES_END);
  const from = at + 1;
  let to = from;
  // 16 bytes at a time, each stored as it is checked: a quote, a backslash, a control byte or a high bit stops it.
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  for (;;) {
    if (out + 4 + (to - from) + 16 > outEnd) {
      // Larger regions are worth asking for only if the text would be taken at all.
      full = textTaken(to);
      return 0;
    }
    const bytes = v128.load(to);
    v128.store(out + 4 + (to - from), bytes);
    const stops = v128.or(v128.or(i8x16.eq(bytes, quote), i8x16.eq(bytes, backslash)), i8x16.lt_s(bytes, space));
    const mask = i8x16.bitmask(stops);
    if (mask == 0) {
      to += 16;
      continue;
    }
    to += <usize>ctz(mask);
    if (load<u8>(to) < 0x80) break;
    // A character past ASCII: checked, stored (it may reach past the 16 bytes stored), and the scan goes on after it.
    const length = utf8Length(to);
    if (length == 0) return 0;
    if (out + 4 + (to - from) + length > outEnd) {
      full = textTaken(to);
      return 0;
    }
    for (let i: usize = 0; i < length; i++) store<u8>(out + 4 + (to - from) + i, load<u8>(to + i));
    to += length;
  }
  if (load<u8>(to) != 0x22) return 0;
  const ends = claim(column, ENDS, ENDS_END, 4);
  if (ends == 0) return 0;
  const length = to - from;
  store<u32>(out, <u32>length);
  const next = out + 4 + length;
  setWord(column, VALUES, next);
  store<u32>(ends, <u32>(next - word(column, VALUES_START)));
  return to + 1;
}

function scalarColumn(at: usize, column: usize): usize {
  const kind = word(column, KIND);
  if (kind == NOTHING) return 0;
  const first = load<u8>(at);
  if (isNull(at)) return pushLevel(column, DEFINITIONS, DEFINITIONS_END, 0) ? at + 4 : 0;
  if (kind == TEXT) {
    if (first != 0x22) return 0;
    const next = readText(at, column);
    return next != 0 && pushLevel(column, DEFINITIONS, DEFINITIONS_END, 1) ? next : 0;
  }
  if (first != 0x2d && <u32>first - 0x30 > 9) return 0;
  const next = scanNumber(at);
  if (next == 0 || !takesNumber(kind, number)) return 0;
  return pushLevel(column, DEFINITIONS, DEFINITIONS_END, 1) && pushNumber(column, number) ? next : 0;
}

function listColumn(at: usize, column: usize): usize {
  const kind = word(column, KIND);
  if (kind == NOTHING) return 0;
  if (load<u8>(at) != 0x5b) {
    if (!isNull(at)) return 0;
    return pushLevel(column, REPETITIONS, REPETITIONS_END, 0) && pushLevel(column, DEFINITIONS, DEFINITIONS_END, 0) ? at + 4 : 0;
  }
  at = skipSpace(at + 1);
  if (kind == ABSENT) return 0;
  if (load<u8>(at) == 0x5d) {
    return pushLevel(column, REPETITIONS, REPETITIONS_END, 0) && pushLevel(column, DEFINITIONS, DEFINITIONS_END, 1) ? at + 1 : 0;
  }
  let repetition: u16 = 0;
  for (;;) {
    if (!pushLevel(column, REPETITIONS, REPETITIONS_END, repetition)) return 0;
    if (isNull(at)) {
      if (!pushLevel(column, DEFINITIONS, DEFINITIONS_END, 2)) return 0;
      at += 4;
    } else {
      const first = load<u8>(at);
      if (first != 0x2d && <u32>first - 0x30 > 9) return 0;
      at = scanNumber(at);
      if (at == 0 || !takesNumber(kind, number)) return 0;
      if (!pushLevel(column, DEFINITIONS, DEFINITIONS_END, 3) || !pushNumber(column, number)) return 0;
    }
    at = skipSpace(at);
    const separator = load<u8>(at++);
    if (separator == 0x5d) return at;
    if (separator != 0x2c) return 0;
    at = skipSpace(at);
    repetition = 1;
  }
  return 0;
}

@inline function columnAt(c: i32): usize {
  return columns + (<usize>(c * COLUMN_WORDS) << 2);
}

/** Whether the key at `at` (its opening quote) is column `c`'s, quotes and all. */
@inline function keyIs(at: usize, end: usize, c: i32): bool {
  const column = columnAt(c);
  const key = word(column, KEY);
  const keyLength = word(column, KEY_LENGTH);
  if (at + keyLength > end) return false;
  for (let i: usize = 0; i < keyLength; i++) if (load<u8>(at + i) != load<u8>(key + i)) return false;
  return true;
}

/** The column whose key is at `at` (tried first: `expected`, the one after the previous key), or -1. */
@inline function keyColumn(at: usize, end: usize, expected: i32): i32 {
  if (expected < columnCount && keyIs(at, end, expected)) return expected;
  return otherKeyColumn(at, end, expected);
}

function otherKeyColumn(at: usize, end: usize, expected: i32): i32 {
  for (let c = 0; c < columnCount; c++) if (c != expected && keyIs(at, end, c)) return c;
  return -1;
}

/** Rows read so far: a column's LAST_ROW says whether this row gave its key already. */
let rowNumber: u32 = 0;

/**
 * Whether the line at [at, end) is a row of the columns: keys in any order (the usual one
 * tried first), each at most once, the ones it lacks null as JSON.parse's path leaves them.
 * Its values are then in the regions.
 */
function readRow(at: usize, end: usize): bool {
  rowNumber++;
  at = skipSpace(at);
  if (load<u8>(at) != 0x7b) return false;
  at = skipSpace(at + 1);
  if (load<u8>(at) == 0x7d) at = skipSpace(at + 1);
  else {
    for (let expected = 0; ; ) {
      if (load<u8>(at) != 0x22) return false;
      const c = keyColumn(at, end, expected);
      if (c < 0) return false;
      const column = columnAt(c);
      if (<u32>word(column, LAST_ROW) == rowNumber) return false;
      setWord(column, LAST_ROW, rowNumber);
      at = skipSpace(at + word(column, KEY_LENGTH));
      if (load<u8>(at) != 0x3a) return false;
      at = skipSpace(at + 1);
      at = word(column, LIST) != 0 ? listColumn(at, column) : scalarColumn(at, column);
      if (at == 0) return false;
      at = skipSpace(at);
      const separator = load<u8>(at++);
      at = skipSpace(at);
      if (separator == 0x7d) break;
      if (separator != 0x2c) return false;
      expected = c + 1;
    }
  }
  if (at != end) return false;
  for (let c = 0; c < columnCount; c++) {
    const column = columnAt(c);
    if (<u32>word(column, LAST_ROW) == rowNumber) continue;
    if (word(column, LIST) != 0 && !pushLevel(column, REPETITIONS, REPETITIONS_END, 0)) return false;
    if (!pushLevel(column, DEFINITIONS, DEFINITIONS_END, 0)) return false;
  }
  return true;
}

/**
 * The line at [start, end) of memory (the byte at `end` a newline, with 16 bytes to read past
 * it): ACCEPTED with its values in the regions, or DECLINED or FULL with nothing of it kept.
 */
function row(start: usize, end: usize): i32 {
  for (let c = 0; c < columnCount; c++) {
    const column = columnAt(c);
    setWord(column, MARKS, word(column, VALUES));
    setWord(column, MARKS + 1, word(column, DEFINITIONS));
    setWord(column, MARKS + 2, word(column, REPETITIONS));
    setWord(column, MARKS + 3, word(column, ENDS));
  }
  full = false;
  if (readRow(start, end)) return ACCEPTED;
  for (let c = 0; c < columnCount; c++) {
    const column = columnAt(c);
    setWord(column, VALUES, word(column, MARKS));
    setWord(column, DEFINITIONS, word(column, MARKS + 1));
    setWord(column, REPETITIONS, word(column, MARKS + 2));
    setWord(column, ENDS, word(column, MARKS + 3));
  }
  return full ? FULL : DECLINED;
}

/** The least and greatest of the numbers a column's region holds, left at its LOW and HIGH (none is NaN). */
export function numberBounds(column: usize): void {
  let low = Infinity;
  let high = -Infinity;
  const end = word(column, VALUES);
  for (let at = word(column, VALUES_START); at < end; at += 8) {
    const value = load<f64>(at);
    low = min(low, value);
    high = max(high, value);
  }
  store<f64>(column + LOW, low);
  store<f64>(column + HIGH, high);
}

/** What rows() read: the lines it took, their bytes (newlines left out), and where it stopped. */
let linesTaken: u32 = 0;
let lineBytesTaken: u32 = 0;
let stoppedAt: usize = 0;

export function taken(): u32 {
  return linesTaken;
}

export function takenBytes(): u32 {
  return lineBytesTaken;
}

export function stopped(): usize {
  return stoppedAt;
}

/** The first newline at or after `at` (one is before the lines' end; 16 bytes past it are readable). */
function newlineFrom(at: usize): usize {
  const newlines = i8x16.splat(0x0a);
  let mask = i8x16.bitmask(i8x16.eq(v128.load(at), newlines));
  while (mask == 0) {
    at += 16;
    mask = i8x16.bitmask(i8x16.eq(v128.load(at), newlines));
  }
  return at + <usize>ctz(mask);
}

/**
 * The lines at [start, end) of memory (each ending in a newline, the last just before `end`,
 * with 16 bytes to read past it), each read as row() reads it, until one is not taken, or
 * `rowsLeft` lines or `bytesLeft` bytes were taken (the caller's row group is then full).
 * Returns the last line's status (ACCEPTED where every line read was taken); taken(),
 * takenBytes() and stopped() (the first line not read, or not taken) say the rest.
 */
export function rows(start: usize, end: usize, rowsLeft: u32, bytesLeft: u32): i32 {
  linesTaken = 0;
  lineBytesTaken = 0;
  let at = start;
  while (at < end) {
    const newline = newlineFrom(at);
    const status = row(at, newline);
    if (status != ACCEPTED) {
      stoppedAt = at;
      return status;
    }
    linesTaken++;
    lineBytesTaken += <u32>(newline - at);
    at = newline + 1;
    if (linesTaken >= rowsLeft || lineBytesTaken >= bytesLeft) break;
  }
  stoppedAt = at;
  return ACCEPTED;
}

/** Unsigned byte order of the bytes [a, a + aLength) and [b, b + bLength), as Parquet orders byte arrays: its sign. */
function compareBytes(a: usize, aLength: u32, b: usize, bLength: u32): i32 {
  const length = min(aLength, bLength);
  let i: u32 = 0;
  for (; i + 8 <= length; i += 8) {
    const x = load<u64>(a + i);
    const y = load<u64>(b + i);
    if (x != y) return bswap<u64>(x) < bswap<u64>(y) ? -1 : 1;
  }
  for (; i < length; i++) {
    const x = load<u8>(a + i);
    const y = load<u8>(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return aLength < bLength ? -1 : aLength > bLength ? 1 : 0;
}

/**
 * The least and greatest of a text column's values taken (at least one), as present-values.ts
 * finds them (each value compared with the least so far, else the greatest): their indexes, as
 * u32 at bytes LOW and LOW + 4 of its descriptor.
 */
export function textBounds(column: usize): void {
  const end = word(column, VALUES);
  let at = word(column, VALUES_START);
  let least: u32 = 0;
  let greatest: u32 = 0;
  let leastAt = at;
  let greatestAt = at;
  for (let index: u32 = 0; at < end; index++) {
    const length = load<u32>(at);
    if (compareBytes(at + 4, length, leastAt + 4, load<u32>(leastAt)) < 0) {
      least = index;
      leastAt = at;
    } else if (compareBytes(at + 4, length, greatestAt + 4, load<u32>(greatestAt)) > 0) {
      greatest = index;
      greatestAt = at;
    }
    at += 4 + <usize>length;
  }
  store<u32>(column + LOW, least);
  store<u32>(column + LOW + 4, greatest);
}
