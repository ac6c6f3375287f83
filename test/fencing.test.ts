/**
 * Exactly once when a holder loses its claim without dying: a runner paused past its lease,
 * runners in different pid namespaces sharing one output dir, a claim that names a pid it
 * does not own. Real processes, real signals, real namespaces.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { claimPathFor, claimsDir } from '../src/core/layout.js';
import { listClaims } from '../src/core/claims.js';
import { launcher, launcherBin } from './support/cli.js';
import {
  committedProblems,
  faultWorkDirs,
  invocationCounts,
  leftoverProcesses,
  processesMentioning,
  sleep,
  waitFor,
  writeFaultConfig,
} from './support/faults.js';

const workDir = faultWorkDirs('chunkrun-fence-');

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function runnerOf(launcherPid: number, cwd: string): number | undefined {
  return processesMentioning(cwd).find((p) => p.command.includes('chunk-runner') && parentOf(p.pid) === launcherPid)?.pid;
}

function unshareWorks(): boolean {
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('a runner that lost its claim', () => {
  it('paused past its lease (SIGSTOP) and resumed after another runner finished, commits nothing twice', async () => {
    const { cwd, outputDir, record } = workDir();
    writeFaultConfig(cwd, { lease: '2s' });
    const args = ['--phase', '1', '--start', '0', '--end', '59', '--checkpoint-frequency', '10', '--no-merge', '--json'];
    const env = { CHUNKRUN_EXAMPLE_DELAY: '0.05', CHUNKRUN_EXAMPLE_RECORD: record };

    const paused = launcher([...args, '--devices', 'cpu:2'], { cwd, env });
    let runner: number | undefined;
    await waitFor(
      () => {
        runner = runnerOf(paused.pid!, cwd);
        return runner !== undefined && listClaims(outputDir).some(({ claim }) => claim.phasePid !== undefined);
      },
      20_000,
      'the first runner to run a chunk',
    );
    process.kill(runner!, 'SIGSTOP');
    try {
      // Its phases finish their chunks while it cannot renew, publish or notice anything.
      await sleep(2_500);
      const taker = await launcher([...args, '--devices', 'cpu:1'], { cwd, env, timeoutMs: 60_000 });
      expect(taker.exitCode, taker.all).toBe(0);
      expect(committedProblems(outputDir)).toEqual([]);
    } finally {
      process.kill(runner!, 'SIGCONT');
    }
    const resumed = await paused;
    expect(resumed.all).toMatch(/lost its claim .*does not write it again/);
    expect(committedProblems(outputDir)).toEqual([]);
    // The paused runner's chunks were run again by the taker; the rest ran once.
    const counts = invocationCounts(record);
    expect([...counts.values()].every((count) => count <= 2)).toBe(true);
    expect(await leftoverProcesses(cwd, 5_000)).toEqual([]);
  }, 90_000);
});

describe('runners sharing one output dir', () => {
  it.skipIf(!unshareWorks())(
    'in two pid namespaces on one host judge each other by lease only, and never take over a live holder',
    async () => {
      const { cwd, outputDir, record } = workDir();
      writeFaultConfig(cwd, { lease: '3s' });
      const args = ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:1', '--no-merge'];
      const env = { ...process.env, CHUNKRUN_EXAMPLE_DELAY: '0.03', CHUNKRUN_EXAMPLE_RECORD: record };
      const outside = launcher(args, { cwd, env });
      const inside = execa('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, launcherBin, ...args], {
        cwd,
        env,
        reject: false,
        all: true,
        timeout: 90_000,
      });
      const [a, b] = await Promise.all([outside, inside]);
      expect(a.exitCode, a.all).toBe(0);
      expect(b.exitCode, b.all).toBe(0);
      expect(committedProblems(outputDir)).toEqual([]);
      // Before holders named their pid namespace, each runner saw the other's pids as dead and took its chunks over and over.
      const counts = invocationCounts(record);
      expect(counts.size).toBe(10);
      expect([...counts.entries()].filter(([, count]) => count > 1)).toEqual([]);
    },
    120_000,
  );

  it('takes over a forged claim (pid 1, no start time) once the file has not changed for its lease', async () => {
    const { cwd, outputDir } = workDir();
    writeFaultConfig(cwd);
    mkdirSync(claimsDir(outputDir), { recursive: true });
    const name = 'chunk_00000-00009';
    writeFileSync(
      claimPathFor(outputDir, name),
      JSON.stringify({
        version: 1,
        token: 'forged',
        name,
        host: os.hostname(),
        pid: 1,
        device: 'gpu7',
        acquiredAt: 0,
        renewedAt: 0,
        leaseMs: 2_000,
      }),
    );
    const result = await launcher(
      ['--phase', '1', '--start', '0', '--end', '19', '--checkpoint-frequency', '10', '--devices', 'cpu:1', '--no-merge'],
      { cwd, timeoutMs: 30_000 },
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(committedProblems(outputDir)).toEqual([]);
  }, 60_000);
});
