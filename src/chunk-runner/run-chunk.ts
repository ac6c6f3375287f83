/** One claimed chunk, from its first attempt to committed, failed, or handed back. */
import path from 'node:path';
import { checkOutputs, commitChunk } from '../core/commit.js';
import { attemptLogName, chunkDirFor, PROGRESS_FILE } from '../core/layout.js';
import { writeFailedRecord } from '../core/failed-record.js';
import { nameWidthFor } from '../core/plan.js';
import { lastLines } from '../core/log-tail.js';
import { releaseClaim, renewClaim, stillHolds } from '../core/claims.js';
import { processStartTicks } from '../core/process-info.js';
import { errorMessage } from '../core/errors.js';
import { isStorageError, outputDirFullReason, storageProblem } from '../core/free-space.js';
import type { Claim } from '../core/claim-rules.js';
import type { Device } from '../core/devices.js';
import { describeOutcome } from '../attempt/outcome.js';
import { prepareChunkDir } from './chunk-dirs.js';
import { phaseEnvFor } from './phase-env.js';
import { readLatestProgress } from './progress-tail.js';
import type { PlannedChunk } from './work-queue.js';
import type { RunnerContext } from './runner-context.js';

export type ChunkEnd = 'committed' | 'failed' | 'handed-back';

const MAX_BACKOFF_MS = 5 * 60_000;
const PROGRESS_POLL_MS = 500;
const LOG_TAIL_LINES = 20;

export function backoffMs(base: number, attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1));
}

export async function runClaimedChunk(ctx: RunnerContext, device: Device, chunk: PlannedChunk, claimed: Claim): Promise<ChunkEnd> {
  const { spec } = ctx;
  const dir = chunkDirFor(spec.outputDir, device.name, chunk.range, nameWidthFor(spec.run.end));
  ctx.heldClaims.set(claimed.name, claimed);
  const currentClaim = () => ctx.heldClaims.get(claimed.name) ?? claimed;
  const keepClaim = (update: Partial<Claim>) => {
    try {
      const renewed = renewClaim(spec.outputDir, currentClaim(), update);
      if (renewed) ctx.heldClaims.set(claimed.name, renewed);
    } catch (error) {
      // The attempt goes on: an unrecorded phase pid only weakens orphan clean-up, never commits.
      ctx.emit({ type: 'warning', message: `${chunk.name}: cannot record the phase in its claim: ${errorMessage(error)}` });
    }
  };

  try {
    for (;;) {
      const attempt = ctx.queue.nextAttempt(chunk.name);
      const log = path.join(dir, attemptLogName(attempt));
      const startedAt = new Date();
      prepareChunkDir(spec.outputDir, chunk.name, dir, { keepLogs: attempt > 1 });
      ctx.emit({ type: 'chunk-started', device: device.name, name: chunk.name, ...chunk.range, attempt, dir, log });

      const progressTimer = setInterval(() => reportProgress(ctx, device, chunk, dir), PROGRESS_POLL_MS);
      const outcome = await ctx.executorFor(device).execute({
        name: chunk.name,
        range: chunk.range,
        device,
        attempt,
        dir,
        env: phaseEnvFor(spec.baseEnv, spec.phaseEnv, device, spec.deviceEnv, {
          range: chunk.range,
          chunkDir: dir,
          attempt,
          outputDirEnv: spec.outputDirEnv,
        }),
        logFile: log,
        timeoutMs: spec.chunkTimeoutMs,
        stop: ctx.stopNow.signal,
        onSpawn: (pid) => keepClaim({ phasePid: pid, phasePidStart: processStartTicks(pid) }),
      }).finally(() => clearInterval(progressTimer));
      if (outcome.kind === 'stopped') return 'handed-back';

      let reason = outcome.kind === 'exited' && outcome.exitCode === 0 ? undefined : describeOutcome(outcome);
      if (!reason) {
        const outputs = checkOutputs(dir, spec.run.outputs);
        if (outputs.missing.length > 0) reason = `exit code 0 but expected outputs missing: ${outputs.missing.join('; ')}`;
        else if (!stillHolds(spec.outputDir, currentClaim())) {
          ctx.emit({
            type: 'warning',
            message: `${chunk.name}: lost its claim while running (lease expired and another runner took it over); not committing`,
          });
          return 'handed-back';
        } else {
          reportProgress(ctx, device, chunk, dir);
          const marker = await commitChunk(dir, outputs.files, {
            name: chunk.name,
            range: chunk.range,
            device: device.name,
            attempt,
            startedAt,
          });
          const rows = marker.files.some((f) => f.rows !== null) ? marker.files.reduce((sum, f) => sum + (f.rows ?? 0), 0) : null;
          ctx.deviceSucceeded(device.name);
          ctx.emit({
            type: 'chunk-committed',
            device: device.name,
            name: chunk.name,
            ...chunk.range,
            attempt,
            durationMs: marker.durationMs,
            rows,
          });
          return 'committed';
        }
      }

      const diskFull = outputDirFullReason(spec.outputDir);
      if (diskFull) {
        reason = `${reason}; ${diskFull}`;
        ctx.stop('graceful', diskFull);
      }
      const retriesLeft = attempt <= spec.retries && !ctx.stopping;
      const retryInMs = retriesLeft ? backoffMs(spec.retryBackoffMs, attempt) : null;
      ctx.emit({ type: 'attempt-failed', device: device.name, name: chunk.name, ...chunk.range, attempt, reason, log, retryInMs });
      if (ctx.deviceFailed(device.name)) return 'handed-back';
      if (retryInMs === null && ctx.queue.failOn(chunk.name, device.name, ctx.activeDevices())) {
        // Failing on one device only may be the device's fault: another device tries it before it is failed for good.
        ctx.emit({ type: 'warning', message: `${chunk.name} failed ${attempt} time(s) on ${device.name}; handing it to another device` });
        return 'handed-back';
      }
      if (retryInMs === null) {
        const logTail = lastLines(log, LOG_TAIL_LINES);
        writeFailedRecord(dir, { attempts: attempt, reason, log, failedAt: new Date().toISOString() });
        ctx.emit({ type: 'chunk-failed', device: device.name, name: chunk.name, ...chunk.range, attempts: attempt, reason, log, logTail });
        return 'failed';
      }
      if (!(await ctx.sleepUnlessStopped(retryInMs))) return 'handed-back';
    }
  } catch (error) {
    return onStorageError(ctx, device, chunk, error);
  } finally {
    releaseClaim(spec.outputDir, currentClaim());
    ctx.heldClaims.delete(claimed.name);
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
  return 'failed';
}
