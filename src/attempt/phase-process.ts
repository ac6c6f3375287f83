/** A phase process: spawned in its own process group, logging to a file, watched until it ends. */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
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

type Ended = { readonly code: number | null; readonly signal: NodeJS.Signals | null } | { readonly error: Error };

export async function runPhaseProcess(spec: PhaseProcessSpec): Promise<AttemptOutcome> {
  // The log file's descriptor goes straight to the child, so output never passes through this process.
  // node's own spawn, not execa: this runs once per chunk, and execa's extra ~1 ms is a fifth of a chunk's fixed cost.
  const log = openSync(spec.logFile, 'a');
  let subprocess;
  try {
    subprocess = spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const ended = new Promise<Ended>((resolve) => {
    subprocess.once('error', (error) => resolve({ error }));
    subprocess.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = subprocess.pid;
  if (pid !== undefined) spec.onSpawn?.(pid);

  let endedBy: 'timeout' | 'stop' | undefined;
  const endGroup = (why: 'timeout' | 'stop') => {
    if (endedBy || pid === undefined) return;
    endedBy = why;
    void stopGroup(pid, spec.killGraceMs);
  };
  const logCap = watchLogCap(spec.logFile, spec.maxLogBytes);
  const timer = spec.timeoutMs !== undefined ? setTimeout(() => endGroup('timeout'), spec.timeoutMs) : undefined;
  const onStop = () => endGroup('stop');
  if (spec.stop.aborted) onStop();
  spec.stop.addEventListener('abort', onStop);

  const result = await ended;
  clearTimeout(timer);
  spec.stop.removeEventListener('abort', onStop);
  // The phase may have left children of its own behind in its group: none may outlive the attempt.
  if (pid !== undefined) await stopGroup(pid, spec.killGraceMs);
  logCap.finish();

  if ('error' in result) return { kind: 'spawn-failed', message: result.error.message };
  if (endedBy === 'stop') return { kind: 'stopped' };
  if (endedBy === 'timeout') return { kind: 'timed-out', timeoutMs: spec.timeoutMs! };
  if (result.signal) return { kind: 'signaled', signal: result.signal };
  return { kind: 'exited', exitCode: result.code ?? -1 };
}
