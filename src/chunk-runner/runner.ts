/**
 * A chunk runner: one loop per device, each taking the next pending chunk it can claim,
 * so no device idles while work remains. Emits RunEvents; knows nothing of terminals.
 */
import { EventEmitter } from 'node:events';
import { chunkCount, nameWidthFor } from '../core/plan.js';
import { gridIndexesOf, spansLength, uncommittedSpans } from '../core/chunk-spans.js';
import { committedRanges, scanDisk } from '../core/scan.js';
import { tryClaim, renewClaim, releaseClaim } from '../core/claims.js';
import { writeJsonAtomic } from '../core/atomic-file.js';
import { completedFilePath } from '../core/layout.js';
import type { RunEvent } from '../core/events.js';
import { errorMessage } from '../core/errors.js';
import { isStorageError, storageProblem } from '../core/free-space.js';
import type { Claim } from '../core/claim-rules.js';
import type { Device } from '../core/devices.js';
import { committedCopy, setAsideStaleAttempts } from './chunk-dirs.js';
import { runClaimedChunk, type ChunkEnd } from './run-chunk.js';
import { RunnerContext } from './runner-context.js';
import { WorkQueue } from './work-queue.js';
import { plannedBlocks, type PlannedChunk } from './chunk-blocks.js';
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
    const total = chunkCount(spec.run);
    const pendingSpans = uncommittedSpans(spec.run, committedRanges(scanDisk(spec.outputDir)));
    const pending = spansLength(pendingSpans);
    const blocks = plannedBlocks(spec.run, nameWidthFor(spec.run.end), pendingSpans, spec.blockCount);
    const ownBlock = new Map(spec.devices.map((device, i) => [device.name, spec.blockOffset + i] as const));
    const queue = new WorkQueue(blocks, ownBlock, HELD_RECHECK_MS);
    const context = new RunnerContext(spec, queue, (event) => this.emit('event', event));
    this.context = context;

    context.emit({
      type: 'runner-started',
      host: spec.hostId,
      pid: process.pid,
      devices: spec.devices.map((d) => d.name),
      total,
      committed: total - pending,
      pending,
    });
    const { interpreter } = spec;
    if (interpreter?.resolved && interpreter.executable !== interpreter.python) {
      const { python, executable, version } = interpreter;
      context.emit({ type: 'interpreter-resolved', python, executable, version });
    } else if (interpreter && !interpreter.resolved) {
      context.emit({ type: 'warning', message: `{python} ${interpreter.python} is started as given for every chunk: ${interpreter.why}` });
    }
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
        if (end.kind === 'committed') committed++;
        if (end.kind === 'failed') failed++;
      }
    } finally {
      clearInterval(renewer);
      await context.dispose();
    }
    if (!context.stopping) this.writeCompletedFiles(total);
    context.emit({ type: 'runner-finished', committed, failed, stopped: context.stopping });
    return { committed, failed, skipped: total - pending, stopped: context.stopping };
  }

  private async deviceLoop(context: RunnerContext, device: Device): Promise<ChunkEnd[]> {
    const ends: ChunkEnd[] = [];
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
      if (end.kind === 'committed' || end.kind === 'already-committed') queue.done(chunk.name);
      else if (end.kind === 'failed') queue.fail(chunk.name);
      else if (end.kind === 'retry') queue.retryLater(chunk, device.name, end.retryAt);
      else if (end.kind === 'lost') queue.hold(chunk.name);
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
      // Before looking for a commit: a late publish by a holder that lost this claim is no longer possible after this.
      setAsideStaleAttempts(this.spec.outputDir, chunk.name, context.lastAttemptDir.get(chunk.name));
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
    for (const [name, held] of context.heldClaims) {
      if (held.lost.signal.aborted) continue;
      try {
        const renewed = renewClaim(this.spec.outputDir, held.current());
        if (renewed) held.update(renewed);
        // Taken over while we were not renewing (paused, partitioned): stop the attempt, it may no longer write.
        else held.lost.abort();
      } catch (error) {
        // The lease keeps running; a claim that cannot be renewed only risks a takeover, never a double commit.
        context.emit({ type: 'warning', message: `cannot renew the claim on ${name}: ${errorMessage(error)}` });
      }
    }
  }

  /** completed.json in each device folder once every chunk of the run is committed. */
  private writeCompletedFiles(total: number): void {
    const disk = scanDisk(this.spec.outputDir);
    if (gridIndexesOf(this.spec.run, committedRanges(disk)).length !== total) return;
    const byDevice = new Map<string, string[]>();
    for (const entry of disk.committed.values()) byDevice.set(entry.device, [...(byDevice.get(entry.device) ?? []), entry.name]);
    for (const [device, names] of byDevice) {
      const path = completedFilePath(this.spec.outputDir, device);
      writeJsonAtomic(path, { device, chunks: names.sort(), completedAt: new Date().toISOString() });
    }
  }
}
