/**
 * The dictionary rule of a typed leaf's values (present-values.ts): whether its values are
 * written as a dictionary page and indexes into it, judged as hyparquet-writer judges it.
 */
import { bitWidthFor } from './levels.js';
import { PresentValues } from './present-values.js';

/** Values sampled to judge whether a dictionary pays (hyparquet-writer samples as many). */
const DICTIONARY_SAMPLE = 1000;
/** A sampled text longer than twice this is told apart by its length and this many bytes at each end. */
const SAMPLE_KEY_ENDS = 64;

/** bytes[start, end) as latin1 (one character per byte), by Buffer's own decoder: toString('latin1') without its argument checks. */
export function latin1Slice(bytes: Buffer, start: number, end: number): string {
  return (bytes as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}

/**
 * The values as a dictionary (the distinct values in first-seen order, as values of this
 * kind) and each value's index in it, where that pays, as hyparquet-writer judges it: a sample
 * spread over the values shows repeats (distinct bytes at most 90% of the sampled), and the
 * distinct values with their bit-packed indexes come to at most half the values' PLAIN bytes
 * (the build stops once the distinct values alone are past that).
 * Booleans never (PLAIN packs them into bits already).
 */
export function dictionaryOf(values: PresentValues): { values: PresentValues; indexes: Int32Array } | undefined {
  const { count, kind } = values;
  if (count === 0 || kind === 'bool' || kind === 'null') return undefined;
  const ends = values.textEnds();
  const numbers = values.numberValues();
  const plain = values.plain(0, count);
  const bytes = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
  const startOf = (i: number) => (i === 0 ? 0 : ends![i - 1]!);
  // Text by its bytes (latin1 keeps each byte as one character); numbers by value, -0 apart from 0.
  const keyOf = ends
    ? (i: number) => latin1Slice(bytes, startOf(i) + 4, ends[i]!)
    : (i: number) => (numbers![i] === 0 && 1 / numbers![i]! < 0 ? '-0' : numbers![i]!);
  const width = values.fixedWidth;
  const sizeOf = ends ? (i: number) => ends[i]! - startOf(i) : () => width;
  // The sample tells long texts apart by their length and ends alone, not a copy of each: it only
  // decides whether to try, and the build below compares whole values.
  const sampleKeyOf = ends
    ? (i: number) => {
        const from = startOf(i) + 4;
        const to = ends[i]!;
        if (to - from <= 2 * SAMPLE_KEY_ENDS) return keyOf(i);
        return `${to - from}:${latin1Slice(bytes, from, from + SAMPLE_KEY_ENDS)}${latin1Slice(bytes, to - SAMPLE_KEY_ENDS, to)}`;
      }
    : keyOf;
  const sampled = Math.min(count, DICTIONARY_SAMPLE);
  const inSample = new Set<string | number>();
  let sampleBytes = 0;
  let sampleDistinctBytes = 0;
  for (let k = 0; k < sampled; k++) {
    const i = sampled === 1 ? 0 : Math.floor((k * (count - 1)) / (sampled - 1));
    const key = sampleKeyOf(i);
    sampleBytes += sizeOf(i);
    if (!inSample.has(key)) {
      inSample.add(key);
      sampleDistinctBytes += sizeOf(i);
    }
  }
  if (sampleDistinctBytes > 0.9 * sampleBytes) return undefined;
  const limit = values.endByte(count - 1) / 2;
  const distinct = new PresentValues(kind);
  const indexOf = new Map<string | number, number>();
  const indexes = new Int32Array(count);
  let distinctBytes = 0;
  for (let i = 0; i < count; i++) {
    const key = keyOf(i);
    let index = indexOf.get(key);
    if (index === undefined) {
      distinctBytes += sizeOf(i);
      if (distinctBytes > limit) return undefined;
      index = distinct.count;
      indexOf.set(key, index);
      if (ends) distinct.pushUtf8(bytes, startOf(i) + 4, ends[i]!);
      else distinct.pushNumber(numbers![i]!);
    }
    indexes[i] = index;
  }
  // As hyparquet-writer: the dictionary and its bit-packed indexes together at most half the PLAIN bytes.
  const indexBytes = Math.ceil((count * Math.max(1, bitWidthFor(distinct.count - 1))) / 8);
  if (distinctBytes + indexBytes > limit) return undefined;
  return { values: distinct, indexes };
}
