/** The state of a runner's chunks in memory: which are pending, running, done, failed, held elsewhere. */
import type { ChunkRange } from '../core/plan.js';

export interface PlannedChunk {
  readonly name: string;
  readonly range: ChunkRange;
}

type ChunkState = 'pending' | 'running' | 'done' | 'failed' | 'held';

export class WorkQueue {
  private readonly state = new Map<string, ChunkState>();
  private readonly heldUntil = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  /** Devices a chunk failed on for good: it goes to another device while one is left. */
  private readonly failedOn = new Map<string, Set<string>>();

  constructor(
    chunks: readonly PlannedChunk[],
    private readonly takeOrders: ReadonlyMap<string, readonly PlannedChunk[]>,
    private readonly recheckMs: number,
  ) {
    for (const chunk of chunks) this.state.set(chunk.name, 'pending');
  }

  /** Per device, how far its order is settled (done or failed): scanning starts there. */
  private readonly settledPrefix = new Map<string, number>();

  /**
   * The next chunk this device should try: its own order, skipping what is taken, held, or
   * failed on this device while one of `activeDevices` has not tried it.
   */
  next(device: string, now = Date.now(), activeDevices: readonly string[] = [device]): PlannedChunk | undefined {
    const order = this.takeOrders.get(device) ?? [];
    let from = this.settledPrefix.get(device) ?? 0;
    while (from < order.length && this.isSettled(order[from]!.name)) from++;
    this.settledPrefix.set(device, from);
    for (let i = from; i < order.length; i++) {
      const chunk = order[i]!;
      const state = this.state.get(chunk.name);
      if (this.leftToOthers(chunk.name, device, activeDevices)) continue;
      if (state === 'pending') return chunk;
      if (state === 'held' && (this.heldUntil.get(chunk.name) ?? 0) <= now) return chunk;
    }
    return undefined;
  }

  /**
   * Record that the chunk used up its attempts on this device. True when it should go to a
   * second device first: a broken device fails everything, a broken chunk fails everywhere,
   * and two devices are enough to tell them apart.
   */
  failOn(name: string, device: string, activeDevices: readonly string[]): boolean {
    const devices = this.failedOn.get(name) ?? new Set<string>();
    devices.add(device);
    this.failedOn.set(name, devices);
    return devices.size < 2 && activeDevices.some((other) => !devices.has(other));
  }

  private leftToOthers(name: string, device: string, activeDevices: readonly string[]): boolean {
    const devices = this.failedOn.get(name);
    return devices !== undefined && devices.has(device) && activeDevices.some((other) => !devices.has(other));
  }

  private isSettled(name: string): boolean {
    const state = this.state.get(name);
    return state === 'done' || state === 'failed';
  }

  /** True while some chunk is held by another runner and may yet need us. */
  hasHeld(): boolean {
    return [...this.state.values()].includes('held');
  }

  start(name: string): void {
    this.state.set(name, 'running');
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

  nextAttempt(name: string): number {
    const attempt = (this.attempts.get(name) ?? 0) + 1;
    this.attempts.set(name, attempt);
    return attempt;
  }

  attemptsOf(name: string): number {
    return this.attempts.get(name) ?? 0;
  }

  count(state: ChunkState): number {
    return [...this.state.values()].filter((s) => s === state).length;
  }
}
