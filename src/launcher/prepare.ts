/** From flags to a checked launch: every bad input is refused here, before anything starts. */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  BUILT_IN_FALLBACK,
  builtInConfigFile,
  loadConfig,
  outputDirFor,
  phaseConfig,
  type LoadedConfig,
  type PhaseConfig,
} from '../core/config.js';
import { expandConfigDir, expandRunCommand, recordedConfigDir } from '../core/command.js';
import { parseDeviceSpecs, selectGpus, type Device } from '../core/devices.js';
import { detectDevices } from '../core/device-detect.js';
import { UsageError, errorMessage } from '../core/errors.js';
import { findExecutable } from '../core/executable.js';
import { checkPlanSize } from '../core/limits.js';
import { resolveSettings, type RunSettings } from '../core/settings.js';
import { commandOnThisHost, readRunFile, runDifferences, type RunFile, type RunIdentity } from '../core/run-file.js';
import { runFilePath } from '../core/layout.js';
import { chunksOfAnotherRun, scanDisk, type DiskState } from '../core/scan.js';
import type { RunLocation } from '../core/rerun-hint.js';
import type { LaunchOptions } from './cli.js';

export interface PreparedLaunch {
  readonly cwd: string;
  readonly loaded: LoadedConfig;
  readonly phase: PhaseConfig;
  readonly identity: RunIdentity;
  /** The command as this host runs it ({configDir} filled). */
  readonly hostCommand: string[];
  readonly outputDir: string;
  readonly devices: Device[];
  readonly settings: RunSettings;
  /** The run.json already in the output dir, if this is a resume. */
  readonly recorded: RunFile | undefined;
  /** Warnings about the run (the config in use): printed whoever runs it. */
  readonly warnings: string[];
  /** Warnings about this host's detected devices: printed only when the runner runs here. */
  readonly deviceWarnings: string[];
  /** Where the user said the run lives, for hints that print a command to run next. */
  readonly where: RunLocation;
  /** The output dir as scanned while checking it (checkpoint mode): what the launch starts from. */
  readonly disk: DiskState | undefined;
}

export function parseIndex(flag: string, text: string): number {
  const trimmed = text.trim();
  if (/^-\d+$/.test(trimmed)) throw new UsageError(`${flag} ${text} is negative; indexes start at 0`);
  if (!/^\d+$/.test(trimmed)) throw new UsageError(`${flag} ${text} is not a whole number; give an integer index like 0 or 488`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) throw new UsageError(`${flag} ${text} is too large`);
  return value;
}

function parseFrequency(text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value >= 1)) throw new UsageError(`--checkpoint-frequency ${text} must be a whole number >= 1 (items per chunk)`);
  return value;
}

function chooseDevices(options: LaunchOptions, warnings: string[]): Device[] {
  if (options.gpus !== undefined && options.devices !== undefined) {
    throw new UsageError('--gpus and --devices both given; use one (--gpus 0,1 is short for --devices cuda:0,1)');
  }
  if (options.devices !== undefined) return parseDeviceSpecs(options.devices);
  const detected = detectDevices();
  if (options.gpus !== undefined) return selectGpus(options.gpus, detected.gpuIds, detected.source);
  if (!detected.accelerator) {
    warnings.push(`no accelerator found (${detected.source}): using ${detected.devices.length} CPU slot(s); pass --devices to choose`);
  }
  return detected.devices;
}

function checkWritable(outputDir: string): void {
  try {
    mkdirSync(outputDir, { recursive: true });
    accessSync(outputDir, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `output dir ${outputDir} is not writable (${errorMessage(error)}); fix its permissions or choose another with --output-dir`,
    );
  }
}

/**
 * `python3 run.py` with no run.py would fail every attempt of every chunk: any argument that
 * names a Python script (relative to the working dir the phase runs in) must exist.
 */
function checkScripts(command: readonly string[], cwd: string, phaseName: string): void {
  for (const arg of command) {
    if (!/\.py$/.test(arg) || arg.startsWith('-') || arg.includes('{') || arg.includes('=')) continue;
    const script = path.resolve(cwd, arg);
    if (!existsSync(script)) {
      throw new UsageError(
        `phase ${phaseName}: script ${arg} not found (looked for ${script}); run from the directory that holds it, or fix the command in the config`,
      );
    }
  }
}

export function prepareLaunch(options: LaunchOptions, extraArgs: readonly string[], cwd = process.cwd()): PreparedLaunch {
  const start = parseIndex('--start', options.start);
  const end = parseIndex('--end', options.end);
  if (end < start) throw new UsageError(`--end ${end} is before --start ${start}; the range is inclusive, e.g. --start 0 --end 488`);
  const frequencyFlag = options.checkpointFrequency !== undefined ? parseFrequency(options.checkpointFrequency) : undefined;

  const loaded = loadConfig(options.config, cwd);
  const phase = phaseConfig(loaded, options.phase);
  const warnings: string[] = [];
  if (loaded.file === builtInConfigFile) warnings.push(`${BUILT_IN_FALLBACK} (${loaded.file})`);
  const settings = resolveSettings(loaded.config, phase, options);
  const command = expandRunCommand(
    phase.command,
    { python: loaded.config.python, model: options.model ?? phase.model, phase: options.phase },
    extraArgs,
    `${loaded.file}: phases.${options.phase}`,
  );
  const configDir = recordedConfigDir(loaded.dir, path.dirname(builtInConfigFile), cwd);
  const hostCommand = commandOnThisHost({ command, configDir } as RunIdentity, cwd);
  const executable = hostCommand[0]!;
  if (!findExecutable(executable, process.env.PATH, cwd)) {
    const hint =
      phase.command[0] === '{python}'
        ? 'set "python" in the config to an installed interpreter'
        : `fix phases.${options.phase}.command in the config`;
    throw new UsageError(
      `phase ${options.phase}: executable "${executable}" not found${executable.includes('/') ? '' : ' on PATH'}; ${hint}`,
    );
  }
  checkScripts(command, cwd, options.phase);

  const deviceWarnings: string[] = [];
  const devices = chooseDevices(options, deviceWarnings);
  const outputDir = outputDirFor(cwd, options.outputDir, () => phase);
  const identity: RunIdentity = {
    phase: options.phase,
    start,
    end,
    checkpointFrequency: frequencyFlag ?? phase.checkpointFrequency ?? loaded.config.checkpointFrequency,
    command,
    configDir,
  };
  checkPlanSize(identity);
  if (!options.dryRun) checkWritable(outputDir);
  const recorded = options.checkpoint ? readRunFile(outputDir) : undefined;
  if (recorded) refuseOtherRecordedRun(outputDir, recorded, identity, phase, loaded.dir);
  const disk = options.checkpoint ? scanDisk(outputDir) : undefined;
  // With run.json present, every launcher compared its run with it before running: no chunk of another run can be here (see scan.ts).
  if (disk && !recorded) refuseChunksOfAnotherRun(outputDir, identity, disk);
  return {
    cwd,
    loaded,
    phase,
    identity,
    hostCommand,
    outputDir,
    devices,
    settings,
    recorded,
    warnings,
    deviceWarnings,
    where: { config: options.config, outputDir: options.outputDir },
    disk,
  };
}

/** The run.json in the output dir records another run than this launch's: refused, naming each difference. */
export function refuseOtherRecordedRun(
  outputDir: string,
  recorded: RunFile,
  identity: RunIdentity,
  phase: PhaseConfig,
  configDir: string,
): void {
  // A version 1 run.json recorded {configDir} filled with this host's absolute path.
  const comparable =
    recorded.version === 1 ? { ...identity, command: expandConfigDir(identity.command, configDir), configDir: undefined } : identity;
  const differences = [...runDifferences(recorded, comparable), ...checkDifferences(recorded, phase)];
  if (differences.length > 0) {
    throw new UsageError(
      `${runFilePath(outputDir)} records a different run (${differences.join('; ')}); rerun with the recorded values to resume, or move ${outputDir} aside (or pass --output-dir) to start fresh`,
    );
  }
}

/** How a commit is judged is part of a run: a changed glob or index column would judge old and new chunks apart. */
function checkDifferences(recorded: RunFile, phase: PhaseConfig): string[] {
  const differences: string[] = [];
  if (JSON.stringify(recorded.outputs) !== JSON.stringify(phase.outputs)) {
    differences.push(`outputs ${JSON.stringify(recorded.outputs)} -> ${JSON.stringify(phase.outputs)}`);
  }
  if (recorded.indexColumn !== phase.indexColumn) {
    differences.push(`indexColumn ${JSON.stringify(recorded.indexColumn ?? null)} -> ${JSON.stringify(phase.indexColumn ?? null)}`);
  }
  return differences;
}

/**
 * Every marker records the run it was made under, so a lost run.json cannot make chunks of
 * another model or command count as this run's. Reads every marker: only when run.json is missing.
 */
function refuseChunksOfAnotherRun(outputDir: string, identity: RunIdentity, disk: DiskState): void {
  const foreign = chunksOfAnotherRun(disk, identity);
  const first = foreign[0];
  if (!first) return;
  throw new UsageError(
    `${foreign.length} committed chunk(s) in ${outputDir} were made under a different run (${runDifferences(first.run, identity).join('; ')}; e.g. ${first.entry.dir}); rerun with those values to resume, or move ${outputDir} aside (or pass --output-dir) to start fresh`,
  );
}
