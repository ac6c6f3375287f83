/** The executor of a device's attempts, chosen by the phase's mode. */
import type { Device } from '../core/devices.js';
import type { RunnerSpec } from '../chunk-runner/spec.js';
import type { AttemptExecutor } from './executor.js';
import { processExecutor } from './process-executor.js';

export function executorFor(spec: RunnerSpec, _device: Device): AttemptExecutor {
  return processExecutor({ command: spec.spawnCommand, cwd: spec.cwd, killGraceMs: spec.killGraceMs, maxLogBytes: spec.maxLogBytes });
}
