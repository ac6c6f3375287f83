#!/usr/bin/env node
/**
 * chunk-runner: one host's share of a run. The launcher starts it, on this host, in a Slurm
 * array task or over ssh, the same way. Reads run.json and runner-spec.json from the output dir.
 */
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseDeviceSpecs } from '../core/devices.js';
import { detectDevices } from '../core/device-detect.js';
import { refuseUnknownOptions } from '../core/cli-errors.js';
import { EXIT, UsageError, errorMessage } from '../core/errors.js';
import { commandOnThisHost, readRunFile } from '../core/run-file.js';
import { readRunnerSpecFile, runnerSpecPath } from '../core/runner-spec-file.js';
import { hostDevice, resolveHostId } from '../core/host-id.js';
import { parseNonNegativeInt } from '../core/settings.js';
import { runFilePath } from '../core/layout.js';
import { checkPlanSize, MAX_RUN_DEVICES } from '../core/limits.js';
import { ChunkRunner } from './runner.js';
import { resolveInterpreter, spawnCommandFor } from './interpreter.js';
import { describeEvent } from './describe-event.js';
import { buildProgram, type RunnerOptions } from './cli.js';

async function main(argv: string[]): Promise<number> {
  refuseUnknownOptions(buildProgram, argv.slice(2));
  const program = buildProgram().exitOverride();
  program.parse(argv);
  const options = program.opts<RunnerOptions>();
  const cwd = process.cwd();
  const host = resolveHostId(options.hostId, process.env, os.hostname());
  const outputDir = path.resolve(cwd, options.outputDir);
  const run = readRunFile(outputDir);
  if (!run) {
    throw new UsageError(
      `no ${runFilePath(outputDir)} on host ${host.id} (working dir ${cwd}): start the run with launcher, which writes it; on several hosts the output dir must be on a filesystem every host shares (NFS, Lustre, GPFS) at the same path relative to the working dir`,
    );
  }
  const spec = readRunnerSpecFile(runnerSpecPath(outputDir));
  if (run.phase !== spec.phase) {
    throw new UsageError(
      `${runFilePath(outputDir)} is for phase ${run.phase} but ${runnerSpecPath(outputDir)} for phase ${spec.phase}; rerun the launcher`,
    );
  }
  const severalHosts = spec.hosts > 1;
  const devices = (options.devices !== undefined ? parseDeviceSpecs(options.devices) : detectDevices().devices).map((device) =>
    hostDevice(device, host.id, severalHosts),
  );
  const hostIndex = parseNonNegativeInt('--host-index', options.hostIndex);
  // Phases and anything they start can tell which host they are on.
  process.env.CHUNKRUN_HOST_ID = host.id;
  const { chunkTimeoutMs, worker, ...settings } = spec.settings;
  checkPlanSize(run);
  checkHost(hostIndex, spec.hosts, devices.length);
  // One interpreter start through the shim here instead of one per chunk.
  const interpreter = spec.commandTemplate.includes('{python}')
    ? await resolveInterpreter(spec.python, cwd, { ...process.env, ...spec.phaseEnv })
    : undefined;
  const runner = new ChunkRunner({
    ...settings,
    chunkTimeoutMs: chunkTimeoutMs ?? undefined,
    worker: worker ?? undefined,
    hostId: host.id,
    outputDir,
    cwd,
    run,
    spawnCommand: spawnCommandFor(commandOnThisHost(run, cwd), spec.commandTemplate, interpreter),
    interpreter,
    outputDirEnv: spec.outputDirEnv,
    phaseEnv: spec.phaseEnv,
    deviceEnv: spec.deviceEnv,
    devices,
    baseEnv: process.env,
    blockOffset: hostIndex * devices.length,
    blockCount: spec.hosts * devices.length,
  });

  const json = options.events === 'json';
  const stdout = survivingBrokenPipe(process.stdout, () => runner.stop('now', 'stdout is gone (the launcher died?)'));
  survivingBrokenPipe(process.stderr, () => {});
  runner.on('event', (event) => {
    stdout.write(json ? `${JSON.stringify(event)}\n` : `${describeEvent(event)}\n`);
  });
  let interrupts = 0;
  let exitSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    exitSignal ??= signal;
    interrupts++;
    runner.stop(interrupts === 1 ? 'graceful' : 'now', `${signal} received`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A hangup (the SSH session or terminal went away) is a stop like SIGTERM, not a death that orphans the phases.
  process.on('SIGHUP', onSignal);
  const stopWatching = options.supervised ? watchParent(runner) : () => {};

  let summary;
  try {
    summary = await runner.run();
  } finally {
    stopWatching();
  }
  if (exitSignal) return exitCodeFor(exitSignal);
  if (summary.stopped) return EXIT.chunksFailed;
  return summary.failed > 0 ? EXIT.chunksFailed : EXIT.ok;
}

/** This host's devices are the host-index'th block of the run's device order. */
function checkHost(hostIndex: number, hosts: number, devices: number): void {
  if (hosts * devices > MAX_RUN_DEVICES) {
    throw new UsageError(`the run has ${hosts * devices} devices over all hosts, more than a run holds (at most ${MAX_RUN_DEVICES})`);
  }
  if (hostIndex >= hosts) throw new UsageError(`--host-index ${hostIndex} is outside the run's hosts (${hosts}); rerun the launcher`);
}

/**
 * The launcher reads our stdout and stderr; when it dies they break (EPIPE), and an
 * unhandled stream error would kill this process before it stops its phases. From then on
 * writes are dropped and `onBroken` runs once; the phases are stopped as usual.
 */
function survivingBrokenPipe(stream: NodeJS.WriteStream, onBroken: () => void): { write: (text: string) => void } {
  let broken = false;
  stream.on('error', () => {
    if (broken) return;
    broken = true;
    onBroken();
  });
  return { write: (text) => void (broken || stream.write(text)) };
}

function exitCodeFor(signal: NodeJS.Signals): number {
  if (signal === 'SIGINT') return EXIT.interrupted;
  if (signal === 'SIGHUP') return EXIT.hangup;
  return EXIT.terminated;
}

/** Under a launcher: "stop" / "stop-now" lines on stdin; stdin closing means the launcher is gone. */
function watchParent(runner: ChunkRunner): () => void {
  const lines = createInterface({ input: process.stdin });
  const onClose = () => runner.stop('now', 'launcher is gone (stdin closed)');
  lines.on('line', (line) => {
    if (line.trim() === 'stop') runner.stop('graceful', 'launcher asked to stop');
    if (line.trim() === 'stop-now') runner.stop('now', 'launcher asked to stop now');
  });
  lines.on('close', onClose);
  return () => {
    lines.off('close', onClose);
    lines.close();
    process.stdin.destroy();
  };
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = (error as { exitCode?: number }).exitCode;
    if ((error as { code?: string }).code?.startsWith('commander.')) {
      process.exitCode = code === 0 ? 0 : EXIT.usage;
      return;
    }
    process.stderr.write(`chunk-runner: ${errorMessage(error)}\n`);
    process.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.chunksFailed;
  },
);
