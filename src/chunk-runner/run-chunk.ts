/**
 * One attempt at a claimed chunk: execute it in its own attempt dir, judge what it left,
 * and commit it fenced by the claim, or say what comes next (retry, fail, hand back).
 */
import path from 'node:path';
import { verifyOutputs, writeCommitMarker } from '../core/commit.js';
import { attemptDirFor, attemptLogName, chunkDirFor, PROGRESS_FILE } from '../core/layout.js';
import { writeFailedRecord } from '../core/failed-record.js';
import { nameWidthFor } from '../core/plan.js';
import { lastLines } from '../core/log-tail.js';
import { releaseClaim, renewClaim, stillHolds } from '../core/claims.js';
import { processStartTicks } from '../core/process-info.js';
import { errorMessage } from '../core/errors.js';
import { isStorageError, outputDirFullReason, storageProblem } from '../core/free-space.js';
import type { Claim } from '../core/claim-rules.js';
import type { Device } from '../core/devices.js';
import { describeOutcome, type AttemptOutcome } from '../attempt/outcome.js';
import { nextStepAfterFailure } from '../attempt/retry-policy.js';
import { clearUncommittedCopies, discardAttemptDir, dropPhaseMarker, makeAttemptDir, publishAttemptDir } from './chunk-dirs.js';
import { failureSignature } from './failure-evidence.js';
import { phaseEnvFor } from './phase-env.js';
import { readLatestProgress } from './progress-tail.js';
import type { PlannedChunk } from './work-queue.js';
import type { HeldClaim, RunnerContext } from './runner-context.js';

/**
 * committed: this attempt's dir is the chunk dir now. already-committed: another attempt's is.
 * retry: back to the queue until `retryAt`. failed: out of attempts. lost: another runner
 * holds the claim now. handed-back: stopped, or the device was taken out.
 */
export type ChunkEnd =
  | { readonly kind: 'committed' | 'already-committed' | 'failed' | 'lost' | 'handed-back' }
  | { readonly kind: 'retry'; readonly retryAt: number };

const PROGRESS_POLL_MS = 500;

/**
 * A scheduler's cancel or preemption (Slurm's scancel, a spot VM going away) signals every
 * process of the job at once, so a phase may die of it before this runner handles its own
 * copy. A phase ended by one of these, followed within this long by the runner's own stop,
 * was stopped: no verdict on its chunk.
 */
const STOP_SIGNALS: ReadonlySet<string> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);
const SIGNAL_RACE_MS = 1000;
const LOG_TAIL_LINES = 20;

export async function runClaimedChunk(ctx: RunnerContext, device: Device, chunk: PlannedChunk, claimed: Claim): Promise<ChunkEnd> {
  const { spec } = ctx;
  const claim = ctx.holdClaim(claimed);
  try {
    const attempt = ctx.queue.nextAttempt(chunk.name);
    const dir = attemptDirFor(spec.outputDir, device.name, chunk.name, claimed.token, attempt);
    const chunkDir = chunkDirFor(spec.outputDir, device.name, chunk.range, nameWidthFor(spec.run.end));
    const log = path.join(dir, attemptLogName(attempt));
    const startedAt = new Date();
    makeAttemptDir(dir, ctx.lastAttemptDir.get(chunk.name));
    ctx.lastAttemptDir.set(chunk.name, dir);
    ctx.emit({ type: 'chunk-started', device: device.name, name: chunk.name, ...chunk.range, attempt, dir, log });

    const outcome = await executeAttempt(ctx, device, chunk, claim, { attempt, dir, log });
    if (claim.lost.signal.aborted) return lostClaim(ctx, chunk, 'while its attempt ran');
    if (outcome.kind === 'stopped') return { kind: 'handed-back' };
    if (outcome.kind === 'signaled' && STOP_SIGNALS.has(outcome.signal) && (await ctx.stopBeginsWithin(SIGNAL_RACE_MS))) {
      return { kind: 'handed-back' };
    }
    if (outcome.kind === 'device-failed') {
      ctx.removeDevice(device.name, `${device.name} cannot run chunks: ${outcome.message}`);
      return { kind: 'handed-back' };
    }

    let reason: string;
    if (outcome.kind === 'exited' && outcome.exitCode === 0) {
      const verdict = await verifyOutputs(dir, { outputs: spec.run.outputs, indexColumn: spec.run.indexColumn, range: chunk.range });
      if (verdict.ok) {
        reportProgress(ctx, device, chunk, dir);
        const marker = writeCommitMarker(dir, verdict, {
          name: chunk.name,
          range: chunk.range,
          device: device.name,
          host: spec.hostId,
          attempt,
          startedAt,
          run: spec.run,
          token: claimed.token,
          indexColumn: spec.run.indexColumn,
        });
        // The fence: nothing is published unless the claim is still ours right now.
        if (!stillHolds(spec.outputDir, claim.current())) return lostClaim(ctx, chunk, 'before its commit');
        if (publishAttemptDir(dir, chunkDir) === 'already-committed') return alreadyCommitted(ctx, chunk, device, dir);
        ctx.lastAttemptDir.delete(chunk.name);
        clearUncommittedCopies(spec.outputDir, chunk.name, chunkDir);
        ctx.chunkCommitted(device.name, chunk.name);
        ctx.emit({
          type: 'chunk-committed',
          device: device.name,
          name: chunk.name,
          ...chunk.range,
          attempt,
          durationMs: marker.durationMs,
          rows: marker.rows ?? null,
        });
        return { kind: 'committed' };
      }
      reason = verdict.reason;
    } else {
      reason = describeOutcome(outcome);
    }
    return afterFailedAttempt(ctx, device, chunk, claim, { attempt, dir, chunkDir, log, reason });
  } catch (error) {
    // Our attempt folder vanished: a runner that took the claim over set it aside.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !stillHolds(spec.outputDir, claim.current())) {
      return lostClaim(ctx, chunk, 'while its attempt folder was in use');
    }
    return onStorageError(ctx, device, chunk, error);
  } finally {
    ctx.releaseHeldClaim(chunk.name);
    releaseClaim(spec.outputDir, claim.current());
  }
}

interface AttemptPlace {
  readonly attempt: number;
  readonly dir: string;
  readonly log: string;
}

function executeAttempt(
  ctx: RunnerContext,
  device: Device,
  chunk: PlannedChunk,
  claim: HeldClaim,
  place: AttemptPlace,
): Promise<AttemptOutcome> {
  const { spec } = ctx;
  const progressTimer = setInterval(() => reportProgress(ctx, device, chunk, place.dir), PROGRESS_POLL_MS);
  return ctx
    .executorFor(device)
    .execute({
      name: chunk.name,
      range: chunk.range,
      device,
      attempt: place.attempt,
      dir: place.dir,
      logFile: place.log,
      env: phaseEnvFor(spec.baseEnv, spec.phaseEnv, device, spec.deviceEnv, {
        range: chunk.range,
        chunkDir: place.dir,
        attempt: place.attempt,
        outputDirEnv: spec.outputDirEnv,
      }),
      timeoutMs: spec.chunkTimeoutMs,
      stop: AbortSignal.any([ctx.stopNow.signal, claim.lost.signal]),
      // One renewal per attempt records where it runs and its process: a claim rewrite is a file written and renamed.
      onSpawn: (pid) =>
        renewOrWarn(ctx, chunk, claim, {
          attemptDir: path.relative(spec.outputDir, place.dir),
          phasePid: pid,
          phasePidStart: processStartTicks(pid),
        }),
    })
    .finally(() => clearInterval(progressTimer));
}

function afterFailedAttempt(
  ctx: RunnerContext,
  device: Device,
  chunk: PlannedChunk,
  claim: HeldClaim,
  failed: AttemptPlace & { readonly chunkDir: string; readonly reason: string },
): ChunkEnd {
  const { spec } = ctx;
  let { reason } = failed;
  const diskFull = outputDirFullReason(spec.outputDir);
  if (diskFull) {
    reason = `${reason}; ${diskFull}`;
    ctx.stop('graceful', diskFull);
  }
  const logTail = lastLines(failed.log, LOG_TAIL_LINES);
  const next = nextStepAfterFailure(failed.attempt, spec.retries, spec.retryBackoffMs, ctx.stopping);
  const retryInMs = next.kind === 'retry' ? next.inMs : null;
  ctx.emit({
    type: 'attempt-failed',
    device: device.name,
    name: chunk.name,
    ...chunk.range,
    attempt: failed.attempt,
    reason,
    log: failed.log,
    retryInMs,
  });
  ctx.attemptFailed(device.name, chunk.name, failed.attempt, failureSignature(reason, logTail), { log: failed.log, logTail });
  if (ctx.removedDevices.has(device.name)) return { kind: 'handed-back' };
  if (next.kind === 'retry') return { kind: 'retry', retryAt: Date.now() + next.inMs };
  // A stop (Ctrl+C, Slurm's SIGTERM on cancel or preemption) is no verdict on the chunk: it stays pending for the next run.
  if (ctx.stopping && !diskFull) return { kind: 'handed-back' };

  dropPhaseMarker(failed.dir);
  const finalLog = path.join(failed.chunkDir, path.basename(failed.log));
  writeFailedRecord(failed.dir, { attempts: failed.attempt, reason, log: finalLog, failedAt: new Date().toISOString() });
  if (!stillHolds(spec.outputDir, claim.current())) return lostClaim(ctx, chunk, 'before recording its failure');
  if (publishAttemptDir(failed.dir, failed.chunkDir) === 'already-committed') return alreadyCommitted(ctx, chunk, device, failed.dir);
  ctx.lastAttemptDir.delete(chunk.name);
  ctx.emit({
    type: 'chunk-failed',
    device: device.name,
    name: chunk.name,
    ...chunk.range,
    attempts: failed.attempt,
    reason,
    log: finalLog,
    logTail,
  });
  return { kind: 'failed' };
}

/** Another attempt published the chunk first: this one's folder is dropped, not left in .attempts for good. */
function alreadyCommitted(ctx: RunnerContext, chunk: PlannedChunk, device: Device, attemptDir: string): ChunkEnd {
  discardAttemptDir(attemptDir);
  ctx.lastAttemptDir.delete(chunk.name);
  ctx.emit({ type: 'chunk-already-committed', name: chunk.name, device: device.name });
  return { kind: 'already-committed' };
}

function lostClaim(ctx: RunnerContext, chunk: PlannedChunk, when: string): ChunkEnd {
  ctx.emit({
    type: 'warning',
    message: `${chunk.name}: lost its claim ${when} (lease not renewed in time, another runner took it over); this runner does not write it again`,
  });
  return { kind: 'lost' };
}

function renewOrWarn(ctx: RunnerContext, chunk: PlannedChunk, claim: HeldClaim, update: Partial<Claim>): void {
  try {
    const renewed = renewClaim(ctx.spec.outputDir, claim.current(), update);
    if (renewed) claim.update(renewed);
  } catch (error) {
    // The attempt goes on: an unrecorded phase pid only weakens orphan clean-up, never commits.
    ctx.emit({ type: 'warning', message: `${chunk.name}: cannot record the attempt in its claim: ${errorMessage(error)}` });
  }
}

function reportProgress(ctx: RunnerContext, device: Device, chunk: PlannedChunk, dir: string): void {
  const progress = readLatestProgress(path.join(dir, PROGRESS_FILE));
  if (!progress) return;
  const total = progress.total ?? chunk.range.end - chunk.range.start + 1;
  ctx.emit({ type: 'chunk-progress', device: device.name, name: chunk.name, done: progress.done, total });
}

function onStorageError(ctx: RunnerContext, device: Device, chunk: PlannedChunk, error: unknown): ChunkEnd {
  if (!isStorageError(error)) throw error;
  const reason = storageProblem(error);
  ctx.emit({
    type: 'chunk-failed',
    device: device.name,
    name: chunk.name,
    ...chunk.range,
    attempts: ctx.queue.attemptsOf(chunk.name),
    reason,
    log: '',
    logTail: [],
  });
  ctx.stop('graceful', reason);
  return { kind: 'failed' };
}
