/** The state of a runner's chunks in memory: which are pending, running, done, failed, held elsewhere. */
import { listedBlocks, type ChunkBlocks, type PlannedChunk } from './chunk-blocks.js';

export type { PlannedChunk } from './chunk-blocks.js';

type ChunkState = 'pending' | 'running' | 'done' | 'failed' | 'held';

/** A chunk that has been handed out or named since the start: the only chunks with their own record. */
interface Touched {
  readonly block: number;
  readonly offset: number;
  readonly chunk: PlannedChunk;
  state: ChunkState;
  heldUntil: number;
}

/**
 * A block's untouched chunks are the offsets in [front, back) without a Touched record:
 * the owner takes from the front, helpers from the back, and each cursor passes a chunk
 * once, which makes a take O(1) amortized. Chunks handed back (released, held elsewhere)
 * wait in `revisit`, a set as small as the chunks in flight.
 */
class BlockCursor {
  front = 0;
  back: number;
  /** Touched records with an offset in [front, back). */
  inside = 0;
  readonly touched = new Map<number, Touched>();
  readonly revisit = new Set<Touched>();

  constructor(
    size: number,
    /** Called for a done chunk whose record is dropped: done is final, and the cursors have passed it. */
    private readonly forget: (entry: Touched) => void,
  ) {
    this.back = size;
  }

  /** Drop a done chunk's record once no cursor can reach it, so memory follows what is in flight, not the run. */
  dropIfPassed(entry: Touched): void {
    const passed = entry.offset < this.front || entry.offset >= this.back;
    if (!passed || entry.state !== 'done') return;
    this.touched.delete(entry.offset);
    this.forget(entry);
  }

  untouched(): number {
    return this.back - this.front - this.inside;
  }

  /** The first untouched offset, or undefined when none is left. */
  firstUntouched(): number | undefined {
    for (let entry = this.touched.get(this.front); this.front < this.back && entry; entry = this.touched.get(this.front)) {
      this.front++;
      this.inside--;
      this.dropIfPassed(entry);
    }
    return this.front < this.back ? this.front : undefined;
  }

  lastUntouched(): number | undefined {
    for (let entry = this.touched.get(this.back - 1); this.back > this.front && entry; entry = this.touched.get(this.back - 1)) {
      this.back--;
      this.inside--;
      this.dropIfPassed(entry);
    }
    return this.back > this.front ? this.back - 1 : undefined;
  }
}

/**
 * Each device starts on its own contiguous block of chunks, in order. A device whose block
 * is used up helps the block with the most chunks left, from its far end: that block's
 * owner is the one the run would otherwise wait for, and the two meet in its middle.
 */
export class WorkQueue {
  private readonly blocks: ChunkBlocks;
  private readonly cursors: BlockCursor[];
  private readonly byName = new Map<string, Touched>();
  /** The untouched chunk next() handed out last: the caller starts it at once, found without parsing its name. */
  private offered: { readonly block: number; readonly offset: number; readonly chunk: PlannedChunk } | undefined;
  private readonly touchedCounts: Record<ChunkState, number> = { pending: 0, running: 0, done: 0, failed: 0, held: 0 };
  private readonly attempts = new Map<string, number>();
  /** Devices a chunk failed on: it goes to another device while one is left. */
  private readonly failedOn = new Map<string, Set<string>>();
  /** Chunks waiting for a retry: taken before new chunks, so a failure is retried (and judged) soon. */
  private readonly retrying = new Set<Touched>();

  constructor(
    blocks: ChunkBlocks | readonly (readonly PlannedChunk[])[],
    /** Which block each device starts on. */
    private readonly ownBlock: ReadonlyMap<string, number>,
    private readonly recheckMs: number,
  ) {
    this.blocks = Array.isArray(blocks) ? listedBlocks(blocks as readonly (readonly PlannedChunk[])[]) : (blocks as ChunkBlocks);
    const forget = (entry: Touched) => this.byName.delete(entry.chunk.name);
    this.cursors = Array.from({ length: this.blocks.count }, (_, block) => new BlockCursor(this.blocks.sizeOf(block), forget));
  }

  /**
   * The next chunk this device should try, skipping what is taken, held, or failed on this
   * device while one of `activeDevices` has not tried it.
   */
  next(device: string, now = Date.now(), activeDevices: readonly string[] = [device]): PlannedChunk | undefined {
    const takeable = (entry: Touched) =>
      (entry.state === 'pending' || (entry.state === 'held' && entry.heldUntil <= now)) &&
      !this.leftToOthers(entry.chunk.name, device, activeDevices);
    for (const entry of this.retrying) if (takeable(entry)) return entry.chunk;
    const ownIndex = this.ownBlock.get(device);
    const own = ownIndex !== undefined ? this.cursors[ownIndex] : undefined;
    if (own) {
      const mine = this.pick(ownIndex!, own, takeable, 'first');
      if (mine) return mine;
    }
    let victim: number | undefined;
    let most = 0;
    this.cursors.forEach((cursor, block) => {
      if (cursor === own) return;
      let left = cursor.untouched();
      for (const entry of cursor.revisit) if (takeable(entry)) left++;
      if (left > most) {
        most = left;
        victim = block;
      }
    });
    return victim === undefined ? undefined : this.pick(victim, this.cursors[victim]!, takeable, 'last');
  }

  /** The takeable chunk of a block nearest its front (the owner's end) or its back (the helpers'). */
  private pick(block: number, cursor: BlockCursor, takeable: (entry: Touched) => boolean, end: 'first' | 'last'): PlannedChunk | undefined {
    const better = (a: number, b: number) => (end === 'first' ? a < b : a > b);
    let best: Touched | undefined;
    for (const entry of cursor.revisit) if (takeable(entry) && (!best || better(entry.offset, best.offset))) best = entry;
    const untouched = end === 'first' ? cursor.firstUntouched() : cursor.lastUntouched();
    if (untouched !== undefined && (!best || better(untouched, best.offset))) {
      const chunk = this.blocks.chunkAt(block, untouched);
      this.offered = { block, offset: untouched, chunk };
      return chunk;
    }
    return best?.chunk;
  }

  /** True while some chunk is held by another runner and may yet need us. */
  hasHeld(): boolean {
    return this.touchedCounts.held > 0;
  }

  start(name: string): void {
    this.setState(name, 'running');
  }

  done(name: string): void {
    const entry = this.setState(name, 'done');
    this.attempts.delete(name);
    this.failedOn.delete(name);
    this.cursors[entry.block]!.dropIfPassed(entry);
  }

  fail(name: string): void {
    this.setState(name, 'failed');
  }

  /** Back to pending: stopped, or its device was taken out. Attempts made so far still count. */
  release(name: string): void {
    this.setState(name, 'pending');
  }

  /** Another runner holds it: look again after the recheck interval. */
  hold(name: string, now = Date.now()): void {
    this.setState(name, 'held').heldUntil = now + this.recheckMs;
  }

  /**
   * A failed attempt on `device`: the chunk waits until `at` (its backoff), then goes to a
   * device that has not failed it yet while one is active, else to any.
   */
  retryLater(chunk: PlannedChunk, device: string, at: number): void {
    const entry = this.setState(chunk.name, 'held');
    entry.heldUntil = at;
    this.retrying.add(entry);
    this.failedOn.set(chunk.name, (this.failedOn.get(chunk.name) ?? new Set<string>()).add(device));
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
    if (state !== 'pending') return this.touchedCounts[state];
    let untouched = 0;
    for (const cursor of this.cursors) untouched += cursor.untouched();
    return untouched + this.touchedCounts.pending;
  }

  private setState(name: string, state: ChunkState): Touched {
    const entry = this.touch(name);
    const cursor = this.cursors[entry.block]!;
    this.touchedCounts[entry.state]--;
    this.touchedCounts[state]++;
    entry.state = state;
    if (state === 'pending' || state === 'held') cursor.revisit.add(entry);
    else {
      cursor.revisit.delete(entry);
      this.retrying.delete(entry);
    }
    return entry;
  }

  /** The chunk's record, made on first mention: an untouched chunk is pending. */
  private touch(name: string): Touched {
    const known = this.byName.get(name);
    if (known) return known;
    const offered = this.offered?.chunk.name === name ? this.offered : undefined;
    const position = offered ?? this.blocks.locate(name);
    if (!position) throw new Error(`work queue: ${name} is not a chunk of this runner's plan`);
    const { block, offset } = position;
    const cursor = this.cursors[block]!;
    const chunk = offered?.chunk ?? this.blocks.chunkAt(block, offset);
    const entry: Touched = { block, offset, chunk, state: 'pending', heldUntil: 0 };
    this.touchedCounts.pending++;
    cursor.touched.set(offset, entry);
    if (offset >= cursor.front && offset < cursor.back) cursor.inside++;
    this.byName.set(name, entry);
    return entry;
  }
}
