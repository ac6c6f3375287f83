/** The executor of a device's attempts, chosen by the phase's mode. */
import { mkdirSync } from 'node:fs';
import { expandWorkerCommand } from '../core/command.js';
import type { Device } from '../core/devices.js';
import { logsDir, workerLogPath } from '../core/layout.js';
import type { RunnerSpec } from '../chunk-runner/spec.js';
import { phaseEnvFor } from '../chunk-runner/phase-env.js';
import type { AttemptExecutor } from './executor.js';
import { processExecutor } from './process-executor.js';
import { workerExecutor } from './worker-executor.js';
import { WORKER_FD, WORKER_FD_ENV } from './worker-protocol.js';

export function executorFor(spec: RunnerSpec, device: Device): AttemptExecutor {
  if (!spec.worker) return processExecutor({ command: spec.run.command, cwd: spec.cwd, killGraceMs: spec.killGraceMs });
  mkdirSync(logsDir(spec.outputDir), { recursive: true });
  return workerExecutor({
    argv: expandWorkerCommand(spec.run.command, device.name),
    env: {
      ...phaseEnvFor(spec.baseEnv, spec.phaseEnv, device, spec.deviceEnv, undefined),
      [WORKER_FD_ENV]: String(WORKER_FD),
      CHUNKRUN_PHASE: spec.run.phase,
      CHUNK_DEVICE: device.name,
    },
    cwd: spec.cwd,
    deviceName: device.name,
    logFile: workerLogPath(spec.outputDir, device.name),
    killGraceMs: spec.killGraceMs,
    readyTimeoutMs: spec.worker.readyTimeoutMs,
    maxChunks: spec.worker.maxChunks,
  });
}
