import { describe, expect, it } from 'vitest';
import { WorkQueue, type PlannedChunk } from '../src/chunk-runner/work-queue.js';
import { listedBlocks, plannedBlocks } from '../src/chunk-runner/chunk-blocks.js';
import { spansExcept, splitSpans, type ChunkSpan } from '../src/core/chunk-spans.js';
import { chunkAt, chunkCount, chunkName, contiguousBlocks, nameWidthFor, type RangeRequest } from '../src/core/plan.js';

/** The queue as it was before cursors: every take scans the blocks. The behaviour the fast queue must keep. */
class ScanningQueue {
  private readonly state = new Map<string, string>();
  private readonly heldUntil = new Map<string, number>();
  private readonly failedOn = new Map<string, Set<string>>();
  constructor(
    private readonly blocks: PlannedChunk[][],
    private readonly ownBlock: ReadonlyMap<string, number>,
  ) {
    for (const chunk of blocks.flat()) this.state.set(chunk.name, 'pending');
  }
  private readonly retrying = new Map<string, PlannedChunk>();
  next(device: string, now: number, active: readonly string[]): PlannedChunk | undefined {
    const takeable = (chunk: PlannedChunk) => {
      const failed = this.failedOn.get(chunk.name);
      if (failed?.has(device) && active.some((other) => !failed.has(other))) return false;
      const state = this.state.get(chunk.name);
      return state === 'pending' || (state === 'held' && (this.heldUntil.get(chunk.name) ?? 0) <= now);
    };
    for (const chunk of this.retrying.values()) if (takeable(chunk)) return chunk;
    const own = this.blocks[this.ownBlock.get(device) ?? -1];
    const mine = own?.find(takeable);
    if (mine) return mine;
    const others = this.blocks
      .filter((block) => block !== own)
      .map((block) => ({ block, left: block.filter(takeable).length }))
      .filter(({ left }) => left > 0)
      .sort((a, b) => b.left - a.left);
    return others[0] ? [...others[0].block].reverse().find(takeable) : undefined;
  }
  set(name: string, state: string, until = 0): void {
    if (state !== 'pending' && state !== 'held') this.retrying.delete(name);
    this.state.set(name, state);
    this.heldUntil.set(name, until);
  }
  retryLater(chunk: PlannedChunk, device: string, at: number): void {
    this.retrying.set(chunk.name, chunk);
    this.failedOn.set(chunk.name, (this.failedOn.get(chunk.name) ?? new Set()).add(device));
    this.set(chunk.name, 'held', at);
  }
}

/** A small deterministic random source, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const plannedQueue = (request: RangeRequest, pending: ChunkSpan[], devices: number) =>
  new WorkQueue(
    plannedBlocks(request, nameWidthFor(request.end), pending, devices),
    new Map(Array.from({ length: devices }, (_, d) => [`d${d}`, d] as const)),
    1000,
  );

describe('the queue over a computed plan', () => {
  it('hands out each of 200,000 pending chunks exactly once, each device its own block first, then the others', () => {
    const request = { start: 0, end: 249_999, checkpointFrequency: 1 };
    // Every fifth chunk is committed already: 200,000 pending.
    const committed = Float64Array.from({ length: 50_000 }, (_, i) => i * 5);
    const pending = spansExcept(chunkCount(request), committed);
    const blocks = plannedBlocks(request, nameWidthFor(request.end), pending, 4);
    const queue = new WorkQueue(blocks, new Map(Array.from({ length: 4 }, (_, d) => [`d${d}`, d] as const)), 1000);
    expect(queue.count('pending')).toBe(200_000);

    const seen = new Uint8Array(chunkCount(request));
    const fromOwn = [0, 0, 0, 0];
    const helping = new Set<number>();
    let handedOut = 0;
    for (let turn = 0; ; turn++) {
      const device = turn % 4 === 3 ? 0 : turn % 4; // d3 never asks: its block goes to the helpers.
      const chunk = queue.next(`d${device}`);
      if (!chunk) break;
      expect(chunk.range.start % 5).not.toBe(0);
      expect(seen[chunk.range.start]).toBe(0);
      seen[chunk.range.start] = 1;
      const { block, offset } = blocks.locate(chunk.name)!;
      if (block === device) {
        // The owner goes through its block in order, and only helps once it is used up.
        expect(helping.has(device)).toBe(false);
        expect(offset).toBe(fromOwn[device]);
        fromOwn[device] = fromOwn[device]! + 1;
      } else {
        expect(fromOwn[device]).toBe(blocks.sizeOf(device));
        helping.add(device);
      }
      queue.start(chunk.name);
      queue.done(chunk.name);
      handedOut++;
    }
    expect(handedOut).toBe(200_000);
    expect(queue.count('done')).toBe(200_000);
    expect(queue.count('pending')).toBe(0);
    expect(helping.has(0)).toBe(true);
  });

  it('gives the same answers as the scanning queue through releases, holds, retries and failures', () => {
    const request = { start: 3, end: 3 + 7 * 700 - 2, checkpointFrequency: 7 };
    const width = nameWidthFor(request.end);
    const roll = random(42);
    const committed = Float64Array.from(Array.from({ length: chunkCount(request) }, (_, i) => i).filter(() => roll() < 0.3));
    const pending = spansExcept(chunkCount(request), committed);
    const listed = pending.flatMap((span) =>
      Array.from({ length: span.last - span.first + 1 }, (_, i) => {
        const range = chunkAt(request, span.first + i);
        return { name: chunkName(range, width), range };
      }),
    );
    const devices = ['d0', 'd1', 'd2'];
    const own = new Map(devices.map((d, i) => [d, i] as const));
    const fast = plannedQueue(request, pending, 3);
    const reference = new ScanningQueue(contiguousBlocks(listed, 3), own);
    const running: PlannedChunk[] = [];
    let now = 0;
    for (let step = 0; step < 3000; step++) {
      now += Math.floor(roll() * 400);
      const active = roll() < 0.2 ? ['d0', 'd1'] : devices;
      const device = active[Math.floor(roll() * active.length)]!;
      const expected = reference.next(device, now, active);
      const got = fast.next(device, now, active);
      expect(got?.name, `step ${step}`).toBe(expected?.name);
      if (got) {
        fast.start(got.name);
        reference.set(got.name, 'running');
        running.push(got);
      }
      if (running.length === 0 || roll() < 0.4) continue;
      const chunk = running.splice(Math.floor(roll() * running.length), 1)[0]!;
      const what = roll();
      if (what < 0.6) {
        fast.done(chunk.name);
        reference.set(chunk.name, 'done');
      } else if (what < 0.7) {
        fast.release(chunk.name);
        reference.set(chunk.name, 'pending');
      } else if (what < 0.8) {
        fast.hold(chunk.name, now);
        reference.set(chunk.name, 'held', now + 1000);
      } else if (what < 0.9) {
        fast.fail(chunk.name);
        reference.set(chunk.name, 'failed');
      } else {
        // An attempt failed on this device: the retry goes before new chunks, to another device while one is active.
        const at = now + Math.floor(roll() * 800);
        fast.retryLater(chunk, device, at);
        reference.retryLater(chunk, device, at);
      }
    }
  });

  it('offers a chunk waiting for its retry before new ones, to a device that has not failed it', () => {
    const request = { start: 0, end: 99, checkpointFrequency: 10 };
    const queue = plannedQueue(request, spansExcept(10, []), 2);
    const first = queue.next('d0')!;
    queue.start(first.name);
    queue.retryLater(first, 'd0', 500);
    expect(queue.next('d1', 100, ['d0', 'd1'])?.name).toBe('chunk_00050-00059');
    expect(queue.next('d1', 500, ['d0', 'd1'])?.name).toBe(first.name);
    expect(queue.next('d0', 500, ['d0', 'd1'])?.name).toBe('chunk_00010-00019');
  });

  it('refuses a name that is not a chunk of its plan', () => {
    const queue = plannedQueue({ start: 0, end: 99, checkpointFrequency: 10 }, [{ first: 0, last: 4 }], 1);
    expect(() => queue.start('chunk_00050-00059')).toThrow(/not a chunk of this runner's plan/);
    expect(() => queue.start('chunk_05-09')).toThrow(/not a chunk/);
  });
});

describe('listed and computed blocks', () => {
  it('agree on every position and name', () => {
    const request = { start: 10, end: 10_009, checkpointFrequency: 3 };
    const width = nameWidthFor(request.end);
    const pending: ChunkSpan[] = [
      { first: 0, last: 4 },
      { first: 100, last: 100 },
      { first: 900, last: 3333 },
    ];
    const blocks = splitSpans(pending, 5).map((block) =>
      block.flatMap((span) =>
        Array.from({ length: span.last - span.first + 1 }, (_, i) => {
          const range = chunkAt(request, span.first + i);
          return { name: chunkName(range, width), range };
        }),
      ),
    );
    const listed = listedBlocks(blocks);
    const computed = plannedBlocks(request, width, pending, 5);
    expect(computed.count).toBe(5);
    for (let block = 0; block < 5; block++) {
      expect(computed.sizeOf(block)).toBe(listed.sizeOf(block));
      for (let offset = 0; offset < listed.sizeOf(block); offset++) {
        const chunk = listed.chunkAt(block, offset);
        expect(computed.chunkAt(block, offset)).toEqual(chunk);
        expect(computed.locate(chunk.name)).toEqual({ block, offset });
      }
    }
    expect(computed.locate(chunkName(chunkAt(request, 50), width))).toBeUndefined();
  });
});
