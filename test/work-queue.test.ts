import { describe, expect, it } from 'vitest';
import { WorkQueue, type PlannedChunk } from '../src/chunk-runner/work-queue.js';
import { contiguousBlocks } from '../src/core/plan.js';

const chunks: PlannedChunk[] = Array.from({ length: 6 }, (_, i) => ({ name: `c${i}`, range: { start: i * 10, end: i * 10 + 9 } }));
const queueFor = (devices: number, all: PlannedChunk[] = chunks) => {
  const blocks = contiguousBlocks(all, devices);
  return new WorkQueue(blocks, new Map(Array.from({ length: devices }, (_, d) => [`d${d}`, d] as const)), 1000);
};

describe('work queue', () => {
  it('hands each device its own block first, then the far end of the others', () => {
    const queue = queueFor(2);
    const taken: string[] = [];
    for (const device of ['d0', 'd1', 'd0', 'd1', 'd0', 'd1']) {
      const chunk = queue.next(device)!;
      queue.start(chunk.name);
      taken.push(`${device}:${chunk.name}`);
    }
    expect(taken).toEqual(['d0:c0', 'd1:c3', 'd0:c1', 'd1:c4', 'd0:c2', 'd1:c5']);
    expect(queue.next('d0')).toBeUndefined();
  });

  it('sends an idle device to the far end of the block with the most chunks left', () => {
    const twelve: PlannedChunk[] = Array.from({ length: 12 }, (_, i) => ({ name: `c${i}`, range: { start: i, end: i } }));
    const queue = queueFor(3, twelve);
    // Blocks: c0-c3 (d0), c4-c7 (d1), c8-c11 (d2). d0 finishes its block; d1 is slow, d2 has done two.
    for (const name of ['c0', 'c1', 'c2', 'c3', 'c4', 'c8', 'c9']) {
      queue.start(name);
      queue.done(name);
    }
    expect(queue.next('d0')?.name).toBe('c7');
  });

  it('every chunk is handed out exactly once whoever asks', () => {
    const queue = queueFor(4);
    const seen: string[] = [];
    for (let turn = 0; turn < 6; turn++) {
      const chunk = queue.next(`d${turn % 3}`)!;
      queue.start(chunk.name);
      seen.push(chunk.name);
    }
    expect(seen.sort()).toEqual(chunks.map((c) => c.name).sort());
    expect(queue.next('d0')).toBeUndefined();
  });

  it('offers a released chunk again, and a held one only after the recheck time', () => {
    const queue = queueFor(1);
    queue.start('c0');
    queue.release('c0');
    expect(queue.next('d0')?.name).toBe('c0');
    queue.hold('c0', 0);
    expect(queue.next('d0', 500)?.name).toBe('c1');
    expect(queue.next('d0', 1000)?.name).toBe('c0');
    expect(queue.hasHeld()).toBe(true);
  });

  it('counts attempts across releases', () => {
    const queue = queueFor(1);
    expect(queue.nextAttempt('c0')).toBe(1);
    queue.release('c0');
    expect(queue.nextAttempt('c0')).toBe(2);
    expect(queue.attemptsOf('c0')).toBe(2);
  });
});

describe('a chunk whose attempt failed on one device', () => {
  const c0 = chunks[0]!;

  it('waits out its backoff, then goes first to a device that has not failed it', () => {
    const queue = queueFor(2);
    const active = ['d0', 'd1'];
    queue.start('c0');
    queue.retryLater(c0, 'd0', 1_000);
    expect(queue.next('d1', 500, active)?.name).toBe('c3');
    expect(queue.next('d0', 2_000, active)?.name).toBe('c1');
    expect(queue.next('d1', 2_000, active)?.name).toBe('c0');
  });

  it('goes back to a device that failed it when every active device has', () => {
    const queue = queueFor(2);
    queue.start('c0');
    queue.retryLater(c0, 'd0', 0);
    expect(queue.next('d0', 0, ['d0'])?.name).toBe('c0');
    queue.start('c0');
    queue.retryLater(c0, 'd1', 0);
    expect(queue.next('d0', 0, ['d0', 'd1'])?.name).toBe('c0');
  });
});
