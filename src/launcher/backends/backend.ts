/**
 * Where runners run: one small seam, one file per place (datatrove's executor/ is the
 * model). Every backend starts the same chunk-runner with the same spec file; only how and
 * where differ. Claims, commits and the merge never know which backend ran a chunk.
 */
import type { LaunchOptions } from '../cli.js';
import type { PreparedLaunch } from '../prepare.js';

/** One host's runner: a command whose stdout carries JSON run events and whose stdin takes stop lines. */
export interface RunnerCommand {
  /** The host id the runner will have, for messages. */
  readonly host: string;
  readonly file: string;
  readonly args: readonly string[];
  /** A child of this launcher on this host (its pid is the runner's), not a client like ssh. */
  readonly local: boolean;
}

/** Runners that are this launcher's children (here, or over ssh): their events stream into the live view. */
export interface AttachedBackend {
  readonly kind: 'attached';
  readonly name: 'local' | 'ssh';
  /** How many hosts run the run: with more than one, device folders are host-qualified. */
  readonly hostCount: number;
  /** Everything that can be checked before anything starts; throws a UsageError naming the problem. */
  preflight(): Promise<void>;
  runnerCommands(): RunnerCommand[];
}

/** Runners handed to a scheduler: the launcher submits, reports, and waits only when asked. */
export interface SubmittingBackend {
  readonly kind: 'submitting';
  readonly name: 'slurm';
  readonly hostCount: number;
  preflight(): Promise<void>;
  /** Submit what is still pending; the launcher's exit code. */
  submit(): Promise<number>;
}

export type RunnerBackend = AttachedBackend | SubmittingBackend;

export interface BackendContext {
  readonly prepared: PreparedLaunch;
  readonly options: LaunchOptions;
  /** The command line as typed, for scripts and messages. */
  readonly commandLine: string;
}
