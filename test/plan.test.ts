import { describe, expect, it } from 'vitest';
import { chunkGrid, chunkName, contiguousBlocks, describeRanges, nameWidthFor, parseChunkName, staticSlices } from '../src/core/plan.js';

describe('chunk grid', () => {
  it('cuts 0..488 into 50-item chunks aligned at start, the last one short', () => {
    const grid = chunkGrid({ start: 0, end: 488, checkpointFrequency: 50 });
    expect(grid).toHaveLength(10);
    expect(grid[0]).toEqual({ start: 0, end: 49 });
    expect(grid[9]).toEqual({ start: 450, end: 488 });
  });

  it('aligns at start, not at multiples of the frequency', () => {
    expect(chunkGrid({ start: 7, end: 20, checkpointFrequency: 5 })).toEqual([
      { start: 7, end: 11 },
      { start: 12, end: 16 },
      { start: 17, end: 20 },
    ]);
  });

  it('covers every index exactly once for many shapes', () => {
    for (const [start, end, frequency] of [
      [0, 0, 1],
      [0, 0, 50],
      [3, 3, 2],
      [0, 99, 100],
      [0, 100, 100],
      [5, 1234, 7],
      [10, 19, 1],
    ] as const) {
      const grid = chunkGrid({ start, end, checkpointFrequency: frequency });
      const covered = grid.flatMap((r) => Array.from({ length: r.end - r.start + 1 }, (_, i) => r.start + i));
      expect(covered).toEqual(Array.from({ length: end - start + 1 }, (_, i) => start + i));
      expect(grid.every((r) => r.end - r.start + 1 <= frequency)).toBe(true);
    }
  });
});

describe('chunk names', () => {
  it('pads to 5 digits with an inclusive end', () => {
    expect(chunkName({ start: 0, end: 49 }, nameWidthFor(488))).toBe('chunk_00000-00049');
  });

  it('grows the padding when end needs more than 5 digits', () => {
    expect(nameWidthFor(99_999)).toBe(5);
    expect(nameWidthFor(199_999)).toBe(6);
    expect(chunkName({ start: 150_000, end: 199_999 }, nameWidthFor(199_999))).toBe('chunk_150000-199999');
    expect(chunkName({ start: 0, end: 49 }, nameWidthFor(199_999))).toBe('chunk_000000-000049');
  });

  it('parses back what it names and rejects anything else', () => {
    expect(parseChunkName('chunk_00050-00099')).toEqual({ start: 50, end: 99 });
    expect(parseChunkName('chunk_000050-000099')).toEqual({ start: 50, end: 99 });
    expect(parseChunkName('chunk_00099-00050')).toBeUndefined();
    expect(parseChunkName('completed.json')).toBeUndefined();
    expect(parseChunkName('.chunk_00000-00049.tmp')).toBeUndefined();
    const notChunkNames = ['chunk_-5', 'chunk_5-', 'chunk_1-2-3', 'chunk_1a-2', 'chunk_1-2 ', 'chunk_+1-2', 'chunk_1.5-2', 'xchunk_0-0'];
    for (const name of [...notChunkNames, 'chunk_']) expect(parseChunkName(name), name).toBeUndefined();
    expect(parseChunkName('chunk_0-0')).toEqual({ start: 0, end: 0 });
    expect(parseChunkName('chunk_9007199254740990-9007199254740991')).toEqual({ start: 9007199254740990, end: 9007199254740991 });
  });
});

describe('device order', () => {
  it('gives each device a contiguous block, sizes within one chunk', () => {
    const blocks = contiguousBlocks([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3);
    expect(blocks).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  });

  it('gives empty blocks when there are more devices than chunks', () => {
    expect(contiguousBlocks([0, 1], 4)).toEqual([[0], [1], [], []]);
  });
});

describe('static slices (--no-checkpoint)', () => {
  it('splits the range into one contiguous slice per device', () => {
    expect(staticSlices(0, 488, 3)).toEqual([
      { start: 0, end: 162 },
      { start: 163, end: 325 },
      { start: 326, end: 488 },
    ]);
  });

  it('gives no slice to devices beyond the item count', () => {
    expect(staticSlices(5, 6, 3)).toEqual([
      { start: 5, end: 5 },
      { start: 6, end: 6 },
    ]);
  });
});

describe('describeRanges', () => {
  it('merges neighbours and sorts', () => {
    expect(
      describeRanges([
        { start: 100, end: 149 },
        { start: 0, end: 49 },
        { start: 50, end: 99 },
        { start: 300, end: 300 },
      ]),
    ).toBe('0-149, 300');
  });
});
