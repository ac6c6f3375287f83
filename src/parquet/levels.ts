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

export interface LevelsExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  encodeLevels(levels: number, count: number, bitWidth: number, into: number): number;
  pageCuts(
    definitions: number,
    repetitions: number,
    slots: number,
    maxDefinition: number,
    width: number,
    ends: number,
    pageBytes: number,
    into: number,
  ): number;
}

let levelsModule: LevelsExports | null | undefined;

/** This thread's instance of assembly/levels.ts, or null where it cannot be had (wasm-module.ts). */
export function levelsExports(): LevelsExports | null {
  if (levelsModule === undefined) levelsModule = wasmInstance<LevelsExports>('levels') ?? null;
  return levelsModule;
}

/** The module's memory past its own data, grown to hold `bytes`: where it starts (8-byte aligned). */
function scratch(module: LevelsExports, bytes: number): number {
  const start = Math.ceil(module.heapBase() / 8) * 8;
  const missing = start + bytes - module.memory.buffer.byteLength;
  if (missing > 0) module.memory.grow(Math.ceil(missing / 65536));
  return start;
}

/** Where each of `arrays` goes in scratch memory, one after another, 8-byte aligned. */
function layOut(arrays: readonly { byteLength: number }[], after: number): { offsets: number[]; bytes: number } {
  const offsets: number[] = [];
  let bytes = 0;
  for (const array of arrays) {
    offsets.push(bytes);
    bytes += Math.ceil(array.byteLength / 8) * 8;
  }
  return { offsets, bytes: bytes + after };
}

/**
 * `levels` (each under 2^bitWidth, bitWidth at most 16) in the RLE/bit-packed hybrid: the bytes
 * hyparquet-writer's encoder writes, by its WebAssembly twin (assembly/levels.ts) where it can
 * be had. A merge's worker ends before that encoder's byte-at-a-time calls are optimized.
 */
export function encodeLevels(levels: Uint16Array, bitWidth: number): Uint8Array {
  const module = levelsExports();
  if (!module) {
    const writer = new ByteWriter();
    writeRleBitPackedHybrid(writer, levels as unknown as number[], bitWidth);
    return writer.getBytes();
  }
  const outputBytes = Math.ceil(levels.length / 8) * (5 + bitWidth) + 16;
  const { offsets, bytes } = layOut([levels], outputBytes);
  const start = scratch(module, bytes);
  const input = start + offsets[0]!;
  const output = start + bytes - outputBytes;
  new Uint16Array(module.memory.buffer, input, levels.length).set(levels);
  const written = module.encodeLevels(input, levels.length, bitWidth, output);
  return new Uint8Array(module.memory.buffer, output, written).slice();
}

/** A typed column chunk as pageCuts reads it. */
export interface CutColumn {
  readonly slots: number;
  /** One per slot; unread where maxDefinition is 0. */
  readonly definitions: Uint16Array;
  /** One per slot, or none where the column is not repeated. */
  readonly repetitions: Uint16Array;
  readonly maxDefinition: number;
  /** Bytes per value; 0 where they end at `ends` (text) or only `endByte` says (booleans, in bits). */
  readonly width: number;
  readonly ends: Uint32Array | undefined;
  /** Where value `index`'s bytes end, counted from the first value's. */
  readonly endByte: (index: number) => number;
  readonly pageBytes: number;
}

/**
 * Where a column chunk's data pages are cut: a page ends before a row's first slot (repetition
 * level 0) once its values' bytes reach pageBytes. Three numbers a page: its slots' end, its
 * values' end, its rows. By the levels module where it can be had and the values' sizes are
 * numbers it can read (a width, or text's ends), else here.
 */
export function pageCuts(column: CutColumn): Uint32Array {
  const module = column.width > 0 || column.ends ? levelsExports() : null;
  return module ? pageCutsByModule(module, column) : pageCutsHere(column);
}

/** pageCuts in JavaScript. */
export function pageCutsHere({ slots, definitions, repetitions, maxDefinition, width, endByte, pageBytes }: CutColumn): Uint32Array {
  const repeated = repetitions.length > 0;
  const cuts: number[] = [];
  let slotStart = 0;
  let valueStart = 0;
  let pageStartByte = 0;
  let value = 0;
  let rows = 0;
  for (let slot = 0; slot < slots; slot++) {
    const rowStart = !repeated || repetitions[slot] === 0;
    if (rowStart && slot > slotStart && value > valueStart) {
      if ((width > 0 ? (value - valueStart) * width : endByte(value - 1) - pageStartByte) >= pageBytes) {
        cuts.push(slot, value, rows);
        slotStart = slot;
        valueStart = value;
        pageStartByte = endByte(value - 1);
        rows = 0;
      }
    }
    if (rowStart) rows++;
    if (maxDefinition === 0 || definitions[slot] === maxDefinition) value++;
  }
  cuts.push(slots, value, rows);
  return Uint32Array.from(cuts);
}

/** pageCuts by assembly/levels.ts: the levels and ends copied into its memory, the pages read back. */
export function pageCutsByModule(module: LevelsExports, column: CutColumn): Uint32Array {
  const { slots, maxDefinition, width, ends, pageBytes } = column;
  const definitions = maxDefinition > 0 ? column.definitions.subarray(0, slots) : new Uint16Array(0);
  const repetitions = column.repetitions.subarray(0, slots);
  // slots x width: at least the values' bytes.
  const valueBytes = width > 0 ? slots * width : ends && ends.length > 0 ? ends[ends.length - 1]! : 0;
  // Every page but the last holds at least pageBytes of values.
  const most = Math.floor(valueBytes / pageBytes) + 2;
  const { offsets, bytes } = layOut([definitions, repetitions, ends ?? new Uint32Array(0)], most * 12);
  const start = scratch(module, bytes);
  const [definitionsAt, repetitionsAt, endsAt] = offsets.map((offset) => start + offset) as [number, number, number];
  const into = start + bytes - most * 12;
  const memory = module.memory.buffer;
  new Uint16Array(memory, definitionsAt, definitions.length).set(definitions);
  new Uint16Array(memory, repetitionsAt, repetitions.length).set(repetitions);
  if (ends) new Uint32Array(memory, endsAt, ends.length).set(ends);
  const pages = module.pageCuts(
    definitionsAt,
    repetitions.length > 0 ? repetitionsAt : 0,
    slots,
    maxDefinition,
    width,
    endsAt,
    pageBytes,
    into,
  );
  return new Uint32Array(memory, into, pages * 3).slice();
}
