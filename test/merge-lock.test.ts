/** The merge lock is a lease file: never left half-written, taken over when its holder is gone or silent. */
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockMergeTarget } from '../src/merge/merge-lock.js';
import { thisProcess } from '../src/core/holder.js';
import { removeDir, tempWorkDir } from './support/cli.js';

let dir: string;
beforeEach(() => {
  dir = tempWorkDir('chunkrun-lock-');
});
afterEach(() => removeDir(dir));

const lockFile = () => path.join(dir, '.merge-gpu0.lock');
const age = (file: string, ms: number) => utimesSync(file, new Date(Date.now() - ms), new Date(Date.now() - ms));

describe('merge lock', () => {
  it('is exclusive while held, and gone after release', () => {
    const release = lockMergeTarget(dir, 'gpu0');
    expect(() => lockMergeTarget(dir, 'gpu0')).toThrow(
      /another merge of gpu0 is running \(.* pid \d+, renewed 0s ago; lock .*\); wait for it/,
    );
    release();
    expect(existsSync(lockFile())).toBe(false);
    lockMergeTarget(dir, 'gpu0')();
  });

  it('takes over the lock of a dead process of this host at once', () => {
    const dead = spawnSync('true').pid;
    writeFileSync(
      lockFile(),
      JSON.stringify({ ...thisProcess(), pid: dead, pidStart: undefined, leaseMs: 120_000, target: 'gpu0', token: 't' }),
    );
    lockMergeTarget(dir, 'gpu0')();
  });

  it('waits for a live lock of another host, and takes it over once it has not changed for its lease', () => {
    writeFileSync(lockFile(), JSON.stringify({ host: `${os.hostname()}-other`, pid: 5, leaseMs: 120_000, target: 'gpu0', token: 't' }));
    expect(() => lockMergeTarget(dir, 'gpu0')).toThrow(/another merge of gpu0 is running/);
    age(lockFile(), 121_000);
    lockMergeTarget(dir, 'gpu0')();
  });

  it('takes over an empty or unreadable lock (left by an older version on a full disk) once it is older than a lease', () => {
    writeFileSync(lockFile(), '');
    expect(() => lockMergeTarget(dir, 'gpu0')).toThrow(/unreadable lock/);
    age(lockFile(), 121_000);
    lockMergeTarget(dir, 'gpu0')();
  });
});
