/** Process mode: each attempt is a new phase process with the chunk's argv. */
import { expandChunkCommand } from '../core/command.js';
import type { AttemptExecutor, AttemptRequest } from './executor.js';
import type { AttemptOutcome } from './outcome.js';
import { runPhaseProcess } from './phase-process.js';

export interface ProcessExecutorOptions {
  /** The run's command template, run-wide values filled in; chunk values ({start}, {end}, ...) still open. */
  readonly command: readonly string[];
  readonly cwd: string;
  readonly killGraceMs: number;
  readonly maxLogBytes: number;
}

export function processExecutor(options: ProcessExecutorOptions): AttemptExecutor {
  return {
    execute(request: AttemptRequest): Promise<AttemptOutcome> {
      return runPhaseProcess({
        argv: expandChunkCommand(options.command, { ...request.range, device: request.device.name, chunkDir: request.dir }),
        env: request.env,
        cwd: options.cwd,
        logFile: request.logFile,
        timeoutMs: request.timeoutMs,
        killGraceMs: options.killGraceMs,
        maxLogBytes: options.maxLogBytes,
        stop: request.stop,
        onSpawn: request.onSpawn,
      });
    },
    close: () => Promise.resolve(),
  };
}
