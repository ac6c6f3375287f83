/** Where the WebAssembly row reader's memory holds what: pure arithmetic, checked for every column count the reader takes. */
import { describe, expect, it } from 'vitest';
import { COLUMN_WORDS, initialShare, memoryLayout } from '../src/merge/jsonl-rows-layout.js';

describe('memoryLayout', () => {
  it('1 to 70 columns, lists and text among them: every region 64-byte aligned, in order, none overlapping, the input last', () => {
    for (let count = 1; count <= 70; count++) {
      const columns = Array.from({ length: count }, (_, c) => ({ list: c % 3 === 1, text: c % 4 === 2, keyBytes: 3 + (c % 7) }));
      const share = initialShare(count);
      const layout = memoryLayout(1000 + count, columns, share, 4096);
      const starts: number[] = [layout.descriptors, ...layout.keyAt];
      expect(layout.descriptors % 64).toBe(0);
      expect(layout.keyAt[0]).toBeGreaterThanOrEqual(layout.descriptors + count * COLUMN_WORDS * 4);
      let previousEnd = layout.keyAt[count - 1]! + columns[count - 1]!.keyBytes;
      layout.regions.forEach((region, c) => {
        const levels = region.repetitions - region.definitions;
        for (const at of [region.values, region.definitions, region.repetitions, region.ends]) expect(at % 64, `${count} columns`).toBe(0);
        expect(region.values).toBeGreaterThanOrEqual(previousEnd);
        expect(region.definitions - region.values).toBe(share);
        expect(levels).toBeGreaterThanOrEqual(share / 4);
        expect(region.ends - region.repetitions).toBe(columns[c]!.list ? levels : 0);
        expect(layout.regionsEnd[c]! - region.ends).toBeGreaterThanOrEqual(columns[c]!.text ? share / 8 : 0);
        previousEnd = layout.regionsEnd[c]!;
        starts.push(region.values);
      });
      expect(layout.input).toBe(previousEnd);
      expect(layout.end).toBeGreaterThanOrEqual(layout.input + 4096);
      expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    }
  });
});
