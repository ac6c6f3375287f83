#!/usr/bin/env node
/**
 * chunk-runner: one host's share of a run. The launcher starts it; a Slurm array task or
 * an SSH host can start it the same way. Reads the run's identity from run.json.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig, phaseConfig } from '../core/config.js';
import { parseDeviceSpecs } from '../core/devices.js';
import { refuseUnknownOptions } from '../core/cli-errors.js';
import { EXIT, UsageError, errorMessage } from '../core/errors.js';
import { readRunFile } from '../core/run-file.js';
import { resolveSettings, parseNonNegativeInt } from '../core/settings.js';
import { runFilePath } from '../core/layout.js';
import { ChunkRunner } from './runner.js';
import { describeEvent } from './describe-event.js';
import { buildProgram, type RunnerOptions } from './cli.js';

async function main(argv: string[]): Promise<number> {
  refuseUnknownOptions(buildProgram, argv.slice(2));
  const program = buildProgram().exitOverride();
  program.parse(argv);
  const options = program.opts<RunnerOptions>();
  const cwd = process.cwd();
  const outputDir = path.resolve(cwd, options.outputDir);
  const run = readRunFile(outputDir);
  if (!run) throw new UsageError(`no ${runFilePath(outputDir)}: start the run with launcher, which writes it`);
  if (run.phase !== options.phase)
    throw new UsageError(`${runFilePath(outputDir)} is for phase ${run.phase}, not --phase ${options.phase}`);
  const loaded = loadConfig(options.config, cwd);
  const phase = phaseConfig(loaded, options.phase);
  const devices = parseDeviceSpecs(options.devices);
  const settings = resolveSettings(loaded.config, phase, options);
  const runner = new ChunkRunner({
    ...settings,
    outputDir,
    cwd,
    run,
    outputDirEnv: phase.outputDirEnv,
    phaseEnv: phase.env ?? {},
    deviceEnv: loaded.config.deviceEnv,
    devices,
    baseEnv: process.env,
    blockOffset: parseNonNegativeInt('--block-offset', options.blockOffset),
    blockCount: options.blockCount !== undefined ? parseNonNegativeInt('--block-count', options.blockCount) : devices.length,
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
