/** The state of a runner's chunks in memory: which are pending, running, done, failed, held elsewhere. */
import type { ChunkRange } from '../core/plan.js';

export interface PlannedChunk {
  readonly name: string;
  readonly range: ChunkRange;
}

type ChunkState = 'pending' | 'running' | 'done' | 'failed' | 'held';

/**
 * Each device starts on its own contiguous block of chunks, in order. A device whose block
 * is used up helps the block with the most chunks left, from its far end: that block's
 * owner is the one the run would otherwise wait for, and the two meet in its middle.
 */
export class WorkQueue {
  private readonly state = new Map<string, ChunkState>();
  private readonly heldUntil = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  /** Devices an attempt of the chunk failed on: its retry goes to another device while one is left. */
  private readonly failedOn = new Map<string, Set<string>>();
  /** Chunks waiting for a retry: taken before new chunks, so a failure is retried (and judged) soon. */
  private readonly retrying = new Map<string, PlannedChunk>();

  constructor(
    private readonly blocks: readonly (readonly PlannedChunk[])[],
    /** Which block each device starts on. */
    private readonly ownBlock: ReadonlyMap<string, number>,
    private readonly recheckMs: number,
  ) {
    for (const chunk of blocks.flat()) this.state.set(chunk.name, 'pending');
  }

  /**
   * The next chunk this device should try, skipping what is taken, held, or failed on this
   * device while one of `activeDevices` has not tried it.
   */
  next(device: string, now = Date.now(), activeDevices: readonly string[] = [device]): PlannedChunk | undefined {
    const takeable = (chunk: PlannedChunk) => {
      if (this.leftToOthers(chunk.name, device, activeDevices)) return false;
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
    const victim = others[0]?.block;
    return victim ? [...victim].reverse().find(takeable) : undefined;
  }

  /** True while some chunk is held by another runner and may yet need us. */
  hasHeld(): boolean {
    return this.count('held') > 0;
  }

  start(name: string): void {
    this.state.set(name, 'running');
    this.retrying.delete(name);
  }

  done(name: string): void {
    this.state.set(name, 'done');
  }

  fail(name: string): void {
    this.state.set(name, 'failed');
  }

  /** Back to pending: stopped, or its device was taken out. Attempts made so far still count. */
  release(name: string): void {
    this.state.set(name, 'pending');
  }

  /** Another runner holds it: look again after the recheck interval. */
  hold(name: string, now = Date.now()): void {
    this.state.set(name, 'held');
    this.heldUntil.set(name, now + this.recheckMs);
  }

  /**
   * A failed attempt on `device`: the chunk waits until `at` (its backoff), then goes to a
   * device that has not failed it yet while one is active, else to any.
   */
  retryLater(chunk: PlannedChunk, device: string, at: number): void {
    const { name } = chunk;
    this.retrying.set(name, chunk);
    const devices = this.failedOn.get(name) ?? new Set<string>();
    devices.add(device);
    this.failedOn.set(name, devices);
    this.state.set(name, 'held');
    this.heldUntil.set(name, at);
  }

  nextAttempt(name: string): number {
    const attempt = (this.attempts.get(name) ?? 0) + 1;
    this.attempts.set(name, attempt);
    return attempt;
  }

  attemptsOf(name: string): number {
    return this.attempts.get(name) ?? 0;
  }

  private leftToOthers(name: string, device: string, activeDevices: readonly string[]): boolean {
    const devices = this.failedOn.get(name);
    return devices !== undefined && devices.has(device) && activeDevices.some((other) => !devices.has(other));
  }

  count(state: ChunkState): number {
    let count = 0;
    for (const value of this.state.values()) if (value === state) count++;
    return count;
  }
}
