/**
 * A chunk runner: one loop per device, each taking the next pending chunk it can claim,
 * so no device idles while work remains. Emits RunEvents; knows nothing of terminals.
 */
import { EventEmitter } from 'node:events';
import { chunkGrid, chunkName, contiguousBlocks, nameWidthFor } from '../core/plan.js';
import { scanDisk, rangeKey } from '../core/scan.js';
import { tryClaim, renewClaim, releaseClaim } from '../core/claims.js';
import { writeJsonAtomic } from '../core/atomic-file.js';
import { completedFilePath } from '../core/layout.js';
import type { RunEvent } from '../core/events.js';
import { errorMessage } from '../core/errors.js';
import { isStorageError, storageProblem } from '../core/free-space.js';
import type { Claim } from '../core/claim-rules.js';
import type { Device } from '../core/devices.js';
import { committedCopy } from './chunk-dirs.js';
import { runClaimedChunk } from './run-chunk.js';
import { RunnerContext } from './runner-context.js';
import { WorkQueue, type PlannedChunk } from './work-queue.js';
import type { RunnerSpec } from './spec.js';

export interface RunnerSummary {
  readonly committed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly stopped: boolean;
}

/** How often chunks held by another runner are looked at again. */
const HELD_RECHECK_MS = 1000;

export class ChunkRunner extends EventEmitter<{ event: [RunEvent] }> {
  private context: RunnerContext | undefined;

  constructor(private readonly spec: RunnerSpec) {
    super();
  }

  stop(how: 'graceful' | 'now', why: string): void {
    this.context?.stop(how, why);
  }

  async run(): Promise<RunnerSummary> {
    const { spec } = this;
    const width = nameWidthFor(spec.run.end);
    const grid: PlannedChunk[] = chunkGrid(spec.run).map((range) => ({ name: chunkName(range, width), range }));
    const disk = scanDisk(spec.outputDir);
    const pending = grid.filter((chunk) => !disk.committed.has(rangeKey(chunk.range)));

    const blocks = contiguousBlocks(pending, spec.blockCount);
    const ownBlock = new Map(spec.devices.map((device, i) => [device.name, spec.blockOffset + i] as const));
    const queue = new WorkQueue(blocks, ownBlock, HELD_RECHECK_MS);
    const context = new RunnerContext(spec, queue, (event) => this.emit('event', event));
    this.context = context;

    context.emit({
      type: 'runner-started',
      host: spec.hostId,
      pid: process.pid,
      devices: spec.devices.map((d) => d.name),
      total: grid.length,
      committed: grid.length - pending.length,
      pending: pending.length,
    });
    const renewer = setInterval(() => this.renewHeldClaims(context), Math.max(250, spec.leaseMs / 4));
    let committed = 0;
    let failed = 0;
    try {
      const loops = spec.devices.map((device) =>
        this.deviceLoop(context, device).catch((error: unknown) => {
          // A bug or an unexpected error: the other devices' phases must not run on unwatched.
          context.stop('now', `runner error on ${device.name}: ${errorMessage(error)}`);
          throw error;
        }),
      );
      const settled = await Promise.allSettled(loops);
      const broken = settled.find((result) => result.status === 'rejected');
      if (broken) throw broken.reason;
      const ends = settled.map((result) => (result.status === 'fulfilled' ? result.value : []));
      for (const end of ends.flat()) {
        if (end === 'committed') committed++;
        if (end === 'failed') failed++;
      }
    } finally {
      clearInterval(renewer);
      await context.dispose();
    }
    if (!context.stopping) this.writeCompletedFiles(grid);
    context.emit({ type: 'runner-finished', committed, failed, stopped: context.stopping });
    return { committed, failed, skipped: grid.length - pending.length, stopped: context.stopping };
  }

  private async deviceLoop(context: RunnerContext, device: Device): Promise<string[]> {
    const ends: string[] = [];
    const { queue } = context;
    while (!context.stopping && !context.removedDevices.has(device.name)) {
      const chunk = queue.next(device.name, Date.now(), context.activeDevices());
      if (!chunk) {
        // Running chunks may yet be handed back (stopped elsewhere, or failed on their device): stay until they settle.
        if (!queue.hasHeld() && queue.count('running') === 0) break;
        if (!(await context.sleepUnlessStopped(HELD_RECHECK_MS / 2))) break;
        continue;
      }
      queue.start(chunk.name);
      const claim = this.claimUncommitted(context, device, chunk);
      if (!claim) continue;
      const end = await runClaimedChunk(context, device, chunk, claim);
      if (end === 'committed') queue.done(chunk.name);
      else if (end === 'failed') queue.fail(chunk.name);
      else queue.release(chunk.name);
      ends.push(end);
    }
    context.emit({ type: 'device-idle', device: device.name });
    return ends;
  }

  /** The chunk's claim, or undefined when another runner holds it or has committed it meanwhile. */
  private claimUncommitted(context: RunnerContext, device: Device, chunk: PlannedChunk): Claim | undefined {
    const { queue } = context;
    try {
      const claim = tryClaim(this.spec.outputDir, chunk.name, { device: device.name, leaseMs: this.spec.leaseMs });
      if (!claim.acquired) {
        queue.hold(chunk.name);
        context.emit({ type: 'chunk-waiting', name: chunk.name, holder: claim.why });
        return undefined;
      }
      const elsewhere = committedCopy(this.spec.outputDir, chunk.name);
      if (!elsewhere) return claim.claim;
      queue.done(chunk.name);
      releaseClaim(this.spec.outputDir, claim.claim);
      context.emit({ type: 'chunk-already-committed', name: chunk.name, device: elsewhere.device });
      return undefined;
    } catch (error) {
      if (!isStorageError(error)) throw error;
      queue.release(chunk.name);
      context.stop('graceful', storageProblem(error));
      return undefined;
    }
  }

  private renewHeldClaims(context: RunnerContext): void {
    for (const [name, claim] of context.heldClaims) {
      try {
        const renewed = renewClaim(this.spec.outputDir, claim);
        if (renewed) context.heldClaims.set(name, renewed);
      } catch (error) {
        // The lease keeps running; a claim that cannot be renewed only risks a takeover, never a double commit.
        context.emit({ type: 'warning', message: `cannot renew the claim on ${name}: ${errorMessage(error)}` });
      }
    }
  }

  /** completed.json in each device folder once every chunk of the run is committed. */
  private writeCompletedFiles(grid: readonly PlannedChunk[]): void {
    const disk = scanDisk(this.spec.outputDir);
    if (!grid.every((chunk) => disk.committed.has(rangeKey(chunk.range)))) return;
    const byDevice = new Map<string, string[]>();
    for (const entry of disk.committed.values()) byDevice.set(entry.device, [...(byDevice.get(entry.device) ?? []), entry.name]);
    for (const [device, names] of byDevice) {
      const path = completedFilePath(this.spec.outputDir, device);
      writeJsonAtomic(path, { device, chunks: names.sort(), completedAt: new Date().toISOString() });
    }
  }
}
