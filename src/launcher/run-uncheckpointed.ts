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
      const outcome = await runPhaseProcess({
        argv: expandChunkCommand(launch.hostCommand, { ...slice, device: device.name, chunkDir: '' }),
        env: phaseEnvFor(process.env, launch.phase.env ?? {}, device, launch.loaded.config.deviceEnv, undefined),
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
