/** Run settings from the config, overridden by the launcher's flags; runners get them through runner-spec.json. */
import { durationMs, type Config, type PhaseConfig } from './config.js';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';

export interface SettingFlags {
  readonly retries?: string;
  readonly chunkTimeout?: string;
}

export interface RunSettings {
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly chunkTimeoutMs: number | undefined;
  readonly killGraceMs: number;
  readonly stopGraceMs: number;
  readonly leaseMs: number;
  readonly maxConsecutiveDeviceFailures: number;
  /** A phase's log file is capped at this size per attempt (older output rotated to `<log>.1`). */
  readonly maxLogBytes: number;
  /** Set for a worker phase ("worker": true): one long-lived process per device takes the chunks. */
  readonly worker: WorkerSettings | undefined;
}

export interface WorkerSettings {
  /** Restart the worker after this many chunks; undefined: never. */
  readonly maxChunks?: number;
  readonly readyTimeoutMs: number;
}

/** Loading a model can take minutes; a worker that is not ready after this is counted broken. */
export const DEFAULT_WORKER_READY_TIMEOUT = '5m';

export function parseNonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} ${text} is not a whole number >= 0`);
  return Number(text);
}

export function parseDurationFlag(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} ${text} is not a duration; use e.g. 30m, 90s, 2h`);
  return ms;
}

export function resolveSettings(config: Config, phase: PhaseConfig, flags: SettingFlags): RunSettings {
  const timeout = flags.chunkTimeout ?? phase.chunkTimeout ?? config.chunkTimeout;
  return {
    retries: flags.retries !== undefined ? parseNonNegativeInt('--retries', flags.retries) : (phase.retries ?? config.retries),
    retryBackoffMs: durationMs(config.retryBackoff),
    chunkTimeoutMs:
      timeout === undefined
        ? undefined
        : flags.chunkTimeout !== undefined
          ? parseDurationFlag('--chunk-timeout', flags.chunkTimeout)
          : durationMs(timeout),
    killGraceMs: durationMs(config.killGrace),
    stopGraceMs: durationMs(config.stopGrace),
    leaseMs: durationMs(config.lease),
    maxConsecutiveDeviceFailures: config.maxConsecutiveDeviceFailures,
    maxLogBytes: Math.round(config.maxLogMB * 1024 * 1024),
    worker: phase.worker
      ? { maxChunks: phase.workerMaxChunks, readyTimeoutMs: durationMs(phase.workerReadyTimeout ?? DEFAULT_WORKER_READY_TIMEOUT) }
      : undefined,
  };
}
