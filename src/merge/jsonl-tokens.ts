/**
 * JSON's tokens read straight from a line's bytes, as JSON.parse reads them: numbers valued
 * exactly as it values them, strings as their UTF-8 bytes where those are what decoding would
 * give (escapes and malformed UTF-8 decoded as it decodes them), literals, and the separators
 * between items. A token that is not valid JSON reads as DECLINED. The row scanner
 * (jsonl-scan.ts) builds on it.
 */
import { isUtf8 } from 'node:buffer';
import { latin1Slice } from '../parquet/index.js';
import { decimalValue, POWERS_OF_TEN } from './decimal.js';

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
export const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;

/** A mantissa up to this takes one more digit and stays under 2^53, exact. */
const MANTISSA_BEFORE_DIGIT = (2 ** 53 - 10) / 10;

export const DECLINED = Symbol('declined');

/** Bytes a string's scan stops at (1): its closing quote, an escape, a control byte, or non-ASCII. */
const STRING_STOPS = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte === QUOTE || byte === BACKSLASH || byte < 0x20 || byte >= 0x80 ? 1 : 0,
);
const STRING_STOPS_PAST_ASCII = STRING_STOPS.map((stop, byte) => (byte >= 0x80 ? 0 : stop));

export type Scalar = number | boolean | null | string | typeof TEXT_BYTES;
/** A string value whose bytes (at textFrom, textTo) are well-formed UTF-8 without escapes: copied, never decoded. */
export const TEXT_BYTES = Symbol('text bytes');

export abstract class JsonTokenReader {
  protected bytes: Buffer = Buffer.alloc(0);
  protected at = 0;
  protected end = 0;
  protected textFrom = 0;
  protected textTo = 0;
  /** 32-bit words over the buffer `bytes` views (plainRunEnd), made again for another buffer. */
  protected wordBuffer: ArrayBufferLike | undefined;
  protected words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  /** The value of the number scanNumber read last. */
  protected number = 0;

  /** After an object's or a list's item: 1 at its closing byte, 0 at a comma (and the spaces after it), -1 at anything else. */
  protected nextItem(closing: number): number {
    this.skipSpace();
    const next = this.bytes[this.at++];
    if (next === closing) return 1;
    if (next !== 0x2c) return -1;
    this.skipSpace();
    return 0;
  }

  protected skipSpace(): void {
    const { bytes, end } = this;
    // Compact JSON has none: one look, no loop.
    if (bytes[this.at]! > 0x20) return;
    while (this.at < end && isSpace(bytes[this.at]!)) this.at++;
  }

  /** A scalar at the cursor (a string as TEXT_BYTES, or decoded where it has escapes or non-ASCII), or DECLINED. */
  protected readScalar(): Scalar | typeof DECLINED {
    const { bytes } = this;
    const first = bytes[this.at]!;
    if (first === QUOTE) return this.readString();
    if (first === 0x2d || isDigit(first)) return this.readNumber();
    if (this.literal('null')) return null;
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    return DECLINED;
  }

  protected literal(word: 'null' | 'true' | 'false'): boolean {
    const { bytes, at } = this;
    if (at + word.length > this.end) return false;
    for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word.charCodeAt(i)) return false;
    this.at += word.length;
    return true;
  }

  protected readString(): Scalar | typeof DECLINED {
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
  protected plainRunEnd(at: number, ascii: boolean): number {
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
  protected readNumber(): number | typeof DECLINED {
    const end = this.scanNumber(this.at);
    if (end < 0) return DECLINED;
    this.at = end;
    return this.number;
  }

  /**
   * The number literal at `start` (JSON's grammar), valued as JSON.parse values it and left in
   * this.number; returns where it ends, or -1 where the text there is not a number.
   */
  protected scanNumber(start: number): number {
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
      else if (scale < 0 && scale >= -22) value = mantissa / POWERS_OF_TEN[-scale]!;
      else if (scale > 0 && scale <= 22) value = mantissa * POWERS_OF_TEN[scale]!;
    } else if (exponentKept) value = decimalValue(mantissa, extra, extraDigits, scale);
    value ??= Number(latin1Slice(bytes, negative ? start + 1 : start, at));
    this.number = negative ? -value : value;
    return at;
  }
}
