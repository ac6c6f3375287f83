/** Before any runner starts: run.json (the run's identity) and runner-spec.json (how runners run it). */
import { createRunFile, writeRunFile, type RunFile } from '../core/run-file.js';
import { writeRunnerSpecFile } from '../core/runner-spec-file.js';
import { refuseOtherRecordedRun, type PreparedLaunch } from './prepare.js';

/**
 * run.json (the identity) and runner-spec.json (how runners run it), before any runner starts.
 * A missing run.json is created exclusively: when another launcher created it meanwhile, its
 * run must be this one (see scan.ts for why that matters).
 */
export function recordRun(launch: PreparedLaunch, hostCount: number): void {
  const run: RunFile = {
    version: 2,
    ...launch.identity,
    createdAt: launch.recorded?.createdAt ?? new Date().toISOString(),
    outputs: launch.phase.outputs,
    indexColumn: launch.phase.indexColumn,
  };
  if (launch.recorded === undefined) {
    const winner = createRunFile(launch.outputDir, run);
    if (winner) refuseOtherRecordedRun(launch.outputDir, winner, launch.identity, launch.phase, launch.loaded.dir);
  } else if (launch.recorded.version !== 2) {
    writeRunFile(launch.outputDir, run);
  }
  const { settings } = launch;
  writeRunnerSpecFile(launch.outputDir, {
    version: 1,
    phase: launch.identity.phase,
    commandTemplate: launch.phase.command,
    python: launch.loaded.config.python,
    hosts: hostCount,
    settings: { ...settings, chunkTimeoutMs: settings.chunkTimeoutMs ?? null, worker: settings.worker ?? null },
    outputDirEnv: launch.phase.outputDirEnv,
    phaseEnv: launch.phase.env ?? {},
    deviceEnv: launch.loaded.config.deviceEnv,
  });
}
