/** Levels encoded by encodeLevels (WebAssembly where built): the bytes hyparquet-writer's encoder writes, read back as they were. */
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { describe, expect, it } from 'vitest';
import { wasmModule } from '../src/core/wasm-module.js';
import { encodeLevels, levelsExports, pageCutsByModule, pageCutsHere, scanLevels } from '../src/parquet/levels.js';
import { seededRandom } from './support/faults.js';

const theirs = (levels: Uint16Array, bitWidth: number) => {
  const writer = new ByteWriter();
  writeRleBitPackedHybrid(writer, levels as unknown as number[], bitWidth);
  return Buffer.from(writer.getBytes());
};

describe('encodeLevels', () => {
  it('is the built WebAssembly module (npm test builds first)', () => {
    expect(wasmModule('levels')).toBeInstanceOf(WebAssembly.Module);
  });

  it('random levels of every width, runs long and short, lengths off the groups of 8: the same bytes as hyparquet-writer, read back the same', () => {
    const next = seededRandom(20261130);
    for (let trial = 0; trial < 400; trial++) {
      const bitWidth = 1 + Math.floor(next() * 16);
      const top = 2 ** bitWidth;
      const levels = new Uint16Array(Math.floor(next() * 300));
      for (let i = 0; i < levels.length;) {
        // Runs of 1 to 40 equal levels, small levels more often (as nesting depths are).
        const run = 1 + Math.floor(next() * (next() < 0.5 ? 4 : 40));
        levels.fill(Math.floor(next() * Math.min(top, next() < 0.7 ? 4 : top)), i, i + run);
        i += run;
      }
      const encoded = encodeLevels(levels, bitWidth);
      expect(Buffer.from(encoded).equals(theirs(levels, bitWidth)), `width ${bitWidth}, ${levels.length} levels`).toBe(true);
      const decoded = new Array<number>(levels.length);
      readRleBitPackedHybrid(
        { view: new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength), offset: 0 },
        bitWidth,
        decoded,
        levels.length,
      );
      expect(decoded).toEqual([...levels]);
      if (levels.length > 0) expect(scanLevels(encoded, 0, encoded.length, bitWidth, levels.length, 0).end).toBe(encoded.length);
    }
  });

  it("runs longer than a header byte counts (200,000 equal levels), a list's repetition levels, none at all", () => {
    const same = new Uint16Array(200_000).fill(3);
    expect(Buffer.from(encodeLevels(same, 2)).equals(theirs(same, 2))).toBe(true);
    const repetitions = Uint16Array.from({ length: 80_003 }, (_, i) => (i % 8 === 0 ? 0 : 1));
    expect(Buffer.from(encodeLevels(repetitions, 1)).equals(theirs(repetitions, 1))).toBe(true);
    expect(encodeLevels(new Uint16Array(0), 1).length).toBe(0);
  });
});

describe('pageCuts', () => {
  it('random columns (repeated or not, nulls or not, numbers or text, pages of a few values to many): the module cuts where JavaScript does', () => {
    const next = seededRandom(20261201);
    const module = levelsExports();
    expect(module).not.toBeNull();
    let pagesSeen = 0;
    for (let trial = 0; trial < 300; trial++) {
      const repeated = next() < 0.5;
      const maxDefinition = repeated ? 1 + Math.floor(next() * 3) : Math.floor(next() * 2);
      const slots = Math.floor(next() * 2000);
      const definitions = new Uint16Array(slots);
      const repetitions = new Uint16Array(repeated ? slots : 0);
      let values = 0;
      for (let slot = 0; slot < slots; slot++) {
        definitions[slot] = next() < 0.8 ? maxDefinition : Math.floor(next() * maxDefinition);
        if (repeated) repetitions[slot] = slot === 0 || next() < 0.3 ? 0 : 1;
        if (maxDefinition === 0 || definitions[slot] === maxDefinition) values++;
      }
      const text = next() < 0.4;
      const width = text ? 0 : next() < 0.5 ? 4 : 8;
      let end = 0;
      const ends = text ? Uint32Array.from({ length: values }, () => (end += 4 + Math.floor(next() * 50))) : undefined;
      const column = {
        slots,
        definitions,
        repetitions,
        maxDefinition,
        width,
        ends,
        endByte: (index: number) => (ends ? ends[index]! : (index + 1) * width),
        pageBytes: 1 + Math.floor(next() * (next() < 0.5 ? 64 : 4096)),
      };
      const here = pageCutsHere(column);
      expect(Array.from(pageCutsByModule(module!, column)), `trial ${trial}`).toEqual(Array.from(here));
      expect(here[here.length - 2]).toBe(values);
      pagesSeen += here.length / 3;
    }
    expect(pagesSeen).toBeGreaterThan(3000);
  });
});
