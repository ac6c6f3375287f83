import { describe, expect, it } from 'vitest';
import {
  describeSpans,
  gridIndexesOf,
  SpanSequence,
  spansExcept,
  spansLength,
  splitSpans,
  uncommittedSpans,
} from '../src/core/chunk-spans.js';
import { chunkAt, chunkCount, chunkGrid, chunkIndexOf } from '../src/core/plan.js';

describe('plan arithmetic', () => {
  it('agrees with the listed grid on small plans', () => {
    for (const request of [
      { start: 0, end: 488, checkpointFrequency: 50 },
      { start: 7, end: 20, checkpointFrequency: 5 },
      { start: 3, end: 3, checkpointFrequency: 2 },
    ]) {
      const grid = chunkGrid(request);
      expect(chunkCount(request)).toBe(grid.length);
      grid.forEach((range, index) => {
        expect(chunkAt(request, index)).toEqual(range);
        expect(chunkIndexOf(request, range)).toBe(index);
      });
    }
  });

  it('answers for a grid of 10^15 items without listing it', () => {
    const request = { start: 5, end: 1e15 + 4, checkpointFrequency: 1000 };
    expect(chunkCount(request)).toBe(1e12);
    expect(chunkAt(request, 1e12 - 1)).toEqual({ start: 1e15 - 995, end: 1e15 + 4 });
    expect(chunkIndexOf(request, { start: 1e15 - 995, end: 1e15 + 4 })).toBe(1e12 - 1);
  });

  it('knows a range that is not one chunk of the grid', () => {
    const request = { start: 10, end: 109, checkpointFrequency: 10 };
    expect(chunkIndexOf(request, { start: 15, end: 24 })).toBeUndefined();
    expect(chunkIndexOf(request, { start: 10, end: 15 })).toBeUndefined();
    expect(chunkIndexOf(request, { start: 0, end: 9 })).toBeUndefined();
    expect(chunkIndexOf(request, { start: 110, end: 119 })).toBeUndefined();
    expect(chunkIndexOf(request, { start: 100, end: 109 })).toBe(9);
  });
});

describe('pending chunks as spans', () => {
  it('of 10,000,000 chunks with a few committed: a handful of spans', () => {
    const request = { start: 0, end: 9_999_999, checkpointFrequency: 1 };
    const committed = [
      { start: 0, end: 0 },
      { start: 5, end: 5 },
      { start: 6, end: 6 },
      { start: 9_999_999, end: 9_999_999 },
    ];
    // Ranges off the grid (another frequency's leftovers) are not commits of this plan.
    const spans = uncommittedSpans(request, [...committed, { start: 10, end: 11 }, { start: 5, end: 5 }]);
    expect(spans).toEqual([
      { first: 1, last: 4 },
      { first: 7, last: 9_999_998 },
    ]);
    expect(spansLength(spans)).toBe(9_999_996);
    expect(describeSpans(request, spans)).toBe('1-4, 7-9999998');
  });

  it('spansExcept leaves the grid whole when nothing is excluded and empty when all is', () => {
    expect(spansExcept(3, [])).toEqual([{ first: 0, last: 2 }]);
    expect(spansExcept(3, [0, 1, 2])).toEqual([]);
    expect(spansExcept(0, [])).toEqual([]);
  });

  it('gridIndexesOf sorts and drops repeats', () => {
    const request = { start: 0, end: 99, checkpointFrequency: 10 };
    const ranges = [
      { start: 90, end: 99 },
      { start: 0, end: 9 },
      { start: 90, end: 99 },
    ];
    expect([...gridIndexesOf(request, ranges)]).toEqual([0, 9]);
  });

  it('splits into blocks within one chunk of each other, in order, over holes', () => {
    const spans = [
      { first: 0, last: 2 },
      { first: 10, last: 10 },
      { first: 20, last: 25 },
    ];
    expect(splitSpans(spans, 3)).toEqual([
      [
        { first: 0, last: 2 },
        { first: 10, last: 10 },
      ],
      [{ first: 20, last: 22 }],
      [{ first: 23, last: 25 }],
    ]);
  });

  it('splits 10,000,000 chunks over 3 devices without listing them', () => {
    const blocks = splitSpans([{ first: 0, last: 9_999_999 }], 3);
    expect(blocks.map(spansLength)).toEqual([3_333_334, 3_333_333, 3_333_333]);
    expect(blocks[2]).toEqual([{ first: 6_666_667, last: 9_999_999 }]);
    expect(splitSpans([{ first: 0, last: 1 }], 4).map(spansLength)).toEqual([1, 1, 0, 0]);
  });

  it('reads a sequence of spans by position both ways', () => {
    const sequence = new SpanSequence([
      { first: 3, last: 5 },
      { first: 9, last: 9 },
      { first: 1_000_000, last: 9_000_000 },
    ]);
    expect(sequence.length).toBe(3 + 1 + 8_000_001);
    expect([0, 1, 2, 3, 4].map((p) => sequence.indexAt(p))).toEqual([3, 4, 5, 9, 1_000_000]);
    expect(sequence.indexAt(sequence.length - 1)).toBe(9_000_000);
    expect(sequence.positionOf(9)).toBe(3);
    expect(sequence.positionOf(9_000_000)).toBe(sequence.length - 1);
    expect(sequence.positionOf(6)).toBeUndefined();
    expect(sequence.positionOf(0)).toBeUndefined();
  });
});
