/** --no-checkpoint: the seed system's behaviour, one process per device over its static slice. */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { expandChunkCommand } from '../core/command.js';
import { fileTimestamp, logsDir } from '../core/layout.js';
import { staticSlices } from '../core/plan.js';
import { runPhaseProcess } from '../attempt/phase-process.js';
import { describeOutcome } from '../attempt/outcome.js';
import { phaseEnvFor } from '../chunk-runner/phase-env.js';
import type { PreparedLaunch } from './prepare.js';
import type { Device } from '../core/devices.js';
import type { ChunkRange } from '../core/plan.js';
import type { WorkerSettings } from '../core/settings.js';
import type { AttemptOutcome } from '../attempt/outcome.js';
import { deviceWorker } from '../attempt/executor-for.js';

export interface SliceResult {
  readonly device: string;
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  readonly outcome: string;
  readonly log: string;
}

export async function runUncheckpointed(launch: PreparedLaunch, stop: AbortSignal, say: (line: string) => void): Promise<SliceResult[]> {
  const { identity, devices } = launch;
  const slices = staticSlices(identity.start, identity.end, devices.length);
  mkdirSync(logsDir(launch.outputDir), { recursive: true });
  const stamp = fileTimestamp();
  return Promise.all(
    slices.map(async (slice, i) => {
      const device = devices[i]!;
      const log = path.join(logsDir(launch.outputDir), `${device.name}-${slice.start}-${slice.end}-${stamp}.log`);
      say(`${device.name}: indexes ${slice.start}-${slice.end}, log ${log}`);
      const env = phaseEnvFor(process.env, launch.phase.env ?? {}, device, launch.loaded.config.deviceEnv, undefined);
      const outcome = launch.settings.worker
        ? await runSliceOnWorker(launch, launch.settings.worker, device, { range: slice, log, env, stop })
        : await runPhaseProcess({
            argv: expandChunkCommand(launch.hostCommand, { ...slice, device: device.name, chunkDir: '' }),
            env,
            cwd: launch.cwd,
            logFile: log,
            timeoutMs: launch.settings.chunkTimeoutMs,
            killGraceMs: launch.settings.killGraceMs,
            maxLogBytes: launch.settings.maxLogBytes,
            stop,
          });
      const ok = outcome.kind === 'exited' && outcome.exitCode === 0;
      say(`${device.name}: ${slice.start}-${slice.end} ${ok ? 'done' : `FAILED (${describeOutcome(outcome)}), log ${log}`}`);
      return { device: device.name, ...slice, ok, outcome: describeOutcome(outcome), log };
    }),
  );
}

/** A worker phase without checkpoints: the device's worker gets its whole slice as one chunk, writing into the output dir. */
async function runSliceOnWorker(
  launch: PreparedLaunch,
  worker: WorkerSettings,
  device: Device,
  slice: { range: ChunkRange; log: string; env: Record<string, string>; stop: AbortSignal },
): Promise<AttemptOutcome> {
  const executor = deviceWorker(
    {
      phase: launch.identity.phase,
      command: launch.hostCommand,
      cwd: launch.cwd,
      outputDir: launch.outputDir,
      baseEnv: process.env,
      phaseEnv: launch.phase.env ?? {},
      deviceEnv: launch.loaded.config.deviceEnv,
      killGraceMs: launch.settings.killGraceMs,
      worker,
      maxLogBytes: launch.settings.maxLogBytes,
    },
    device,
  );
  try {
    return await executor.execute({
      name: `${slice.range.start}-${slice.range.end}`,
      range: slice.range,
      device,
      attempt: 1,
      dir: launch.outputDir,
      logFile: slice.log,
      env: slice.env,
      timeoutMs: launch.settings.chunkTimeoutMs,
      stop: slice.stop,
    });
  } finally {
    await executor.close();
  }
}
