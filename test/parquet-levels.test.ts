/** Levels encoded by encodeLevels (WebAssembly where built): the bytes hyparquet-writer's encoder writes, read back as they were. */
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { describe, expect, it } from 'vitest';
import { wasmModule } from '../src/core/wasm-module.js';
import { encodeLevels, scanLevels } from '../src/parquet/levels.js';
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
