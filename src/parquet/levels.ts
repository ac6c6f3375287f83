/**
 * Levels in the RLE/bit-packed hybrid: scanned without materialising them (enough to prove a
 * page is well formed), and encoded.
 */
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { wasmInstance } from '../core/wasm-module.js';

export interface LevelScan {
  /** Offset just past the levels. */
  readonly end: number;
  readonly first: number;
  readonly max: number;
  /** How many levels equal `countValue`. */
  readonly counted: number;
}

/**
 * Reads `count` levels of `bitWidth` bits (at most 24; levels are nesting depths) from
 * bytes[offset, limit). Throws when the runs end before `count` levels: the "fewer levels
 * than values" corruption readers crash on.
 */
export function scanLevels(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  bitWidth: number,
  count: number,
  countValue: number,
): LevelScan {
  let seen = 0;
  let first = -1;
  let max = 0;
  let counted = 0;
  let at = offset;
  const mask = (1 << bitWidth) - 1;
  const valueBytes = (bitWidth + 7) >> 3;
  while (seen < count) {
    if (at >= limit) throw new Error(`page has ${seen} levels, its header says ${count} values`);
    let header = bytes[at++]!;
    if (header & 0x80) {
      header &= 0x7f;
      for (let shift = 7, byte = 0x80; byte & 0x80; shift += 7) {
        if (at >= limit || shift > 28) throw new Error('level run header runs past the page');
        byte = bytes[at++]!;
        header += (byte & 0x7f) * 2 ** shift;
      }
    }
    const length = Math.floor(header / 2);
    if (header % 2 === 1) {
      const byteLength = length * bitWidth;
      if (at + byteLength > limit) throw new Error('bit-packed levels run past the page');
      const values = Math.min(length * 8, count - seen);
      let buffer = 0;
      let bits = 0;
      let next = at;
      for (let i = 0; i < values; i++) {
        while (bits < bitWidth) {
          buffer |= bytes[next++]! << bits;
          bits += 8;
        }
        const value = buffer & mask;
        buffer >>>= bitWidth;
        bits -= bitWidth;
        if (first < 0) first = value;
        if (value > max) max = value;
        if (value === countValue) counted++;
      }
      seen += values;
      at += byteLength;
    } else {
      if (at + valueBytes > limit) throw new Error('level run runs past the page');
      let value = 0;
      for (let i = 0; i < valueBytes; i++) value += bytes[at + i]! * 2 ** (8 * i);
      at += valueBytes;
      const used = Math.min(length, count - seen);
      if (used > 0) {
        if (first < 0) first = value;
        if (value > max) max = value;
        if (value === countValue) counted += used;
      }
      seen += length;
    }
  }
  return { end: at, first: Math.max(first, 0), max, counted };
}

export function bitWidthFor(maxLevel: number): number {
  return maxLevel === 0 ? 0 : 32 - Math.clz32(maxLevel);
}

interface LevelsExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  encodeLevels(levels: number, count: number, bitWidth: number, into: number): number;
}

let encoder: LevelsExports | null | undefined;

/**
 * `levels` (each under 2^bitWidth, bitWidth at most 16) in the RLE/bit-packed hybrid: the bytes
 * hyparquet-writer's encoder writes, by its WebAssembly twin (assembly/levels.ts) where it can
 * be had. A merge's worker ends before that encoder's byte-at-a-time calls are optimized.
 */
export function encodeLevels(levels: Uint16Array, bitWidth: number): Uint8Array {
  if (encoder === undefined) encoder = wasmInstance<LevelsExports>('levels') ?? null;
  if (!encoder) {
    const writer = new ByteWriter();
    writeRleBitPackedHybrid(writer, levels as unknown as number[], bitWidth);
    return writer.getBytes();
  }
  const { memory } = encoder;
  const input = Math.ceil(encoder.heapBase() / 8) * 8;
  const output = input + levels.byteLength;
  const end = output + Math.ceil(levels.length / 8) * (5 + bitWidth) + 16;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  new Uint16Array(memory.buffer, input, levels.length).set(levels);
  const written = encoder.encodeLevels(input, levels.length, bitWidth, output);
  return new Uint8Array(memory.buffer, output, written).slice();
}
