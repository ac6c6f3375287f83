/**
 * Where an attempt executes: a fresh phase process per chunk, or a message to the device's
 * persistent worker. The retry policy and the commit are the same for both.
 */
import type { Device } from '../core/devices.js';
import type { ChunkRange } from '../core/plan.js';
import type { AttemptOutcome } from './outcome.js';

export interface AttemptRequest {
  readonly name: string;
  readonly range: ChunkRange;
  readonly device: Device;
  readonly attempt: number;
  /** The attempt's own folder: the phase writes here, and only a fenced commit moves it into place. */
  readonly dir: string;
  /** The attempt's stdout+stderr. */
  readonly logFile: string;
  /** The environment of this chunk (device variables, CHUNK_*, the output-dir variable). */
  readonly env: Record<string, string>;
  readonly timeoutMs: number | undefined;
  /** Aborted when the runner is told to stop now: the attempt ends as "stopped". */
  readonly stop: AbortSignal;
  /** The process group now running the attempt, recorded in the claim so a takeover can stop an orphan. */
  readonly onSpawn?: (pid: number) => void;
}

export interface AttemptExecutor {
  execute(request: AttemptRequest): Promise<AttemptOutcome>;
  /** Stop whatever outlives one attempt (a worker). Called when the device's loop ends. */
  close(): Promise<void>;
}
