/** A phase process as the runner starts it: its exit, its signal, and a command that cannot start. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPhaseProcess } from '../src/attempt/phase-process.js';
import { removeDir, tempWorkDir } from './support/cli.js';

let dir: string;
beforeEach(() => {
  dir = tempWorkDir('chunkrun-phase-');
});
afterEach(() => removeDir(dir));

const run = (argv: string[], extra: { timeoutMs?: number } = {}) =>
  runPhaseProcess({
    argv,
    env: { PATH: process.env.PATH ?? '', ONLY_THIS: 'yes' },
    cwd: dir,
    logFile: path.join(dir, 'run.log'),
    timeoutMs: extra.timeoutMs,
    killGraceMs: 500,
    stop: new AbortController().signal,
  });

describe('runPhaseProcess', () => {
  it('gives the exit code, with stdout and stderr in the log and only the given environment', async () => {
    const outcome = await run(['sh', '-c', 'echo "out $ONLY_THIS ${HOME:-no-home}"; echo err >&2; exit 3']);
    expect(outcome).toEqual({ kind: 'exited', exitCode: 3 });
    expect(readFileSync(path.join(dir, 'run.log'), 'utf8')).toBe('out yes no-home\nerr\n');
  });

  it('gives the signal that ended it', async () => {
    expect(await run(['sh', '-c', 'kill -TERM $$'])).toEqual({ kind: 'signaled', signal: 'SIGTERM' });
  });

  it('times out and stops the whole group', async () => {
    expect(await run(['sh', '-c', 'sleep 30 & sleep 30'], { timeoutMs: 200 })).toEqual({ kind: 'timed-out', timeoutMs: 200 });
  });

  it('says why a command could not start', async () => {
    const outcome = await run([path.join(dir, 'no-such-phase')]);
    expect(outcome.kind).toBe('spawn-failed');
    expect(outcome.kind === 'spawn-failed' && outcome.message).toMatch(/ENOENT/);
  });
});
