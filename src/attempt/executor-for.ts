/** The executor of a device's attempts, chosen by the phase's mode. */
import { mkdirSync } from 'node:fs';
import { expandWorkerCommand } from '../core/command.js';
import type { Device } from '../core/devices.js';
import { logsDir, workerLogPath } from '../core/layout.js';
import type { WorkerSettings } from '../core/settings.js';
import type { RunnerSpec } from '../chunk-runner/spec.js';
import { phaseEnvFor } from '../chunk-runner/phase-env.js';
import type { AttemptExecutor } from './executor.js';
import { processExecutor } from './process-executor.js';
import { workerExecutor } from './worker-executor.js';
import { WORKER_FD, WORKER_FD_ENV } from './worker-protocol.js';

export function executorFor(spec: RunnerSpec, device: Device): AttemptExecutor {
  if (!spec.worker)
    return processExecutor({ command: spec.spawnCommand, cwd: spec.cwd, killGraceMs: spec.killGraceMs, maxLogBytes: spec.maxLogBytes });
  return deviceWorker({ ...spec, phase: spec.run.phase, command: spec.spawnCommand, worker: spec.worker }, device);
}

export interface DeviceWorkerFacts {
  readonly phase: string;
  /** The run's command template, run-wide values filled in. */
  readonly command: readonly string[];
  readonly cwd: string;
  readonly outputDir: string;
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly phaseEnv: Record<string, string>;
  readonly deviceEnv: Record<string, Record<string, string>>;
  readonly killGraceMs: number;
  readonly worker: WorkerSettings;
  readonly maxLogBytes: number;
}

/** The device's worker: started on its first attempt, logging to logs/worker-<device>.log. */
export function deviceWorker(facts: DeviceWorkerFacts, device: Device): AttemptExecutor {
  mkdirSync(logsDir(facts.outputDir), { recursive: true });
  return workerExecutor({
    argv: expandWorkerCommand(facts.command, device.name),
    env: {
      ...phaseEnvFor(facts.baseEnv, facts.phaseEnv, device, facts.deviceEnv, undefined),
      [WORKER_FD_ENV]: String(WORKER_FD),
      CHUNKRUN_PHASE: facts.phase,
      CHUNK_DEVICE: device.name,
    },
    cwd: facts.cwd,
    deviceName: device.name,
    logFile: workerLogPath(facts.outputDir, device.name),
    killGraceMs: facts.killGraceMs,
    readyTimeoutMs: facts.worker.readyTimeoutMs,
    maxChunks: facts.worker.maxChunks,
    maxLogBytes: facts.maxLogBytes,
  });
}
