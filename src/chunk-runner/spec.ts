import type { Device } from '../core/devices.js';
import type { RunFile } from '../core/run-file.js';
import type { RunSettings } from '../core/settings.js';
import type { Interpreter } from './interpreter.js';

/** Everything a runner needs to run its devices' share of a run. */
export interface RunnerSpec extends RunSettings {
  /** This runner's host id (SPEC §9), in events; device names already carry it when several hosts run. */
  readonly hostId: string;
  /** Absolute. */
  readonly outputDir: string;
  /** Where phases run: the launcher's working directory. */
  readonly cwd: string;
  /** run.json as recorded: the run identity markers are made under. */
  readonly run: RunFile;
  /** The argv template phases are spawned with: run.command with {configDir} filled for this host and {python} resolved to the real interpreter. */
  readonly spawnCommand: readonly string[];
  /** How {python} was resolved, to report; undefined when the command does not use it. */
  readonly interpreter: Interpreter | undefined;
  readonly outputDirEnv: string;
  readonly phaseEnv: Record<string, string>;
  readonly deviceEnv: Record<string, Record<string, string>>;
  readonly devices: readonly Device[];
  readonly baseEnv: NodeJS.ProcessEnv;
  /** This runner's devices' positions among all devices of the run, for the contiguous default order. */
  readonly blockOffset: number;
  readonly blockCount: number;
}
