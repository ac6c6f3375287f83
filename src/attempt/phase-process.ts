/** A phase process: spawned in its own process group, logging to a file, watched until it ends. */
import { openSync, closeSync } from 'node:fs';
import { execa } from 'execa';
import { stopGroup } from '../core/process-group.js';
import type { AttemptOutcome } from './outcome.js';
import { watchLogCap } from './log-cap.js';

export interface PhaseProcessSpec {
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly logFile: string;
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
  /** The log is capped at this size (rotated to `<log>.1` while it runs); unset: no cap. */
  readonly maxLogBytes?: number;
  /** Aborted when the runner is told to stop now: the group is stopped, the attempt is "stopped". */
  readonly stop: AbortSignal;
  readonly onSpawn?: (pid: number) => void;
}

/**
 * The log file's descriptor goes straight to the child, so output never passes through
 * this process. execa's types list only fds 3-9, its runtime hands any fd to spawn().
 */
const logFd = (fd: number) => fd as unknown as 3;

export async function runPhaseProcess(spec: PhaseProcessSpec): Promise<AttemptOutcome> {
  const log = openSync(spec.logFile, 'a');
  let subprocess;
  try {
    subprocess = execa(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: false,
      detached: true,
      cleanup: false,
      reject: false,
      stdin: 'ignore',
      stdout: logFd(log),
      stderr: logFd(log),
    });
  } finally {
    closeSync(log);
  }
  const pid = subprocess.pid;
  if (pid !== undefined) spec.onSpawn?.(pid);

  let ended: 'timeout' | 'stop' | undefined;
  const endGroup = (why: 'timeout' | 'stop') => {
    if (ended || pid === undefined) return;
    ended = why;
    void stopGroup(pid, spec.killGraceMs);
  };
  const logCap = watchLogCap(spec.logFile, spec.maxLogBytes);
  const timer = spec.timeoutMs !== undefined ? setTimeout(() => endGroup('timeout'), spec.timeoutMs) : undefined;
  const onStop = () => endGroup('stop');
  if (spec.stop.aborted) onStop();
  spec.stop.addEventListener('abort', onStop);

  const result = await subprocess;
  clearTimeout(timer);
  spec.stop.removeEventListener('abort', onStop);
  // The phase may have left children of its own behind in its group: none may outlive the attempt.
  if (pid !== undefined) await stopGroup(pid, spec.killGraceMs);
  logCap.finish();

  if (pid === undefined || (result.exitCode === undefined && result.signal === undefined)) {
    return { kind: 'spawn-failed', message: result.originalMessage ?? result.message ?? 'unknown error' };
  }
  if (ended === 'stop') return { kind: 'stopped' };
  if (ended === 'timeout') return { kind: 'timed-out', timeoutMs: spec.timeoutMs! };
  if (result.signal) return { kind: 'signaled', signal: result.signal };
  return { kind: 'exited', exitCode: result.exitCode ?? -1 };
}
