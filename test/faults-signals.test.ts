/**
 * Ctrl+C and SIGTERM mid-run: the first stops taking chunks and lets the running ones
 * finish, a second stops at once; either way no process of the run remains, nothing is
 * half-committed, the exit code says which signal, and the same command resumes.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listClaims } from '../src/core/claims.js';
import { launcher, removeDir, tempWorkDir } from './support/cli.js';
import {
  committedNames,
  committedProblems,
  killAll,
  leftoverProcesses,
  phasePids,
  processesMentioning,
  sleep,
  waitFor,
  wrapperCommand,
  writeFaultConfig,
} from './support/faults.js';

const ARGS = ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge'];
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    killAll(processesMentioning(dir));
    removeDir(dir);
  }
});

function setUp(): { cwd: string; outputDir: string } {
  const cwd = tempWorkDir('chunkrun-signal-');
  dirs.push(cwd);
  writeFaultConfig(cwd);
  return { cwd, outputDir: path.join(cwd, 'data', 'phase1_0') };
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s mid-run', (signal, exitCode) => {
  it(`lets running chunks finish, leaves no process, exits ${exitCode}, and resumes`, async () => {
    const { cwd, outputDir } = setUp();
    const env = { CHUNKRUN_EXAMPLE_DELAY: '0.03' };
    const run = launcher(ARGS, { cwd, env });
    await waitFor(
      () => committedNames(outputDir).length >= 1 && phasePids(outputDir, cwd).length > 0,
      30_000,
      'a committed chunk and a running one',
    );
    const runningAtSignal = listClaims(outputDir).map(({ claim }) => claim.name);
    process.kill(run.pid!, signal);
    const result = await run;

    const left = await leftoverProcesses(cwd);
    expect(left, 'processes of the run still alive after the launcher exited').toEqual([]);
    expect(result.exitCode).toBe(exitCode);
    expect(result.stdout).toContain('to resume, run the same command');
    expect(committedNames(outputDir)).toEqual(expect.arrayContaining(runningAtSignal));
    expect(committedNames(outputDir).length).toBeLessThan(10);
    expect(committedProblems(outputDir, { complete: false })).toEqual([]);

    const resumed = await launcher(ARGS, { cwd, env });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.stdout).toMatch(/\d+ done this run, [1-9]\d* already committed \(skipped\)/);
    expect(committedProblems(outputDir)).toEqual([]);
  }, 90_000);
});

describe('a second Ctrl+C', () => {
  it('stops running chunks at once, commits none of them, and leaves no process', async () => {
    const { cwd, outputDir } = setUp();
    // Chunks of 10 items at 0.5 s each: a graceful stop would wait for seconds.
    const env = { CHUNKRUN_EXAMPLE_DELAY: '0.5' };
    const run = launcher(ARGS, { cwd, env });
    await waitFor(() => phasePids(outputDir, cwd).length === 2, 30_000, 'two running phases');
    process.kill(run.pid!, 'SIGINT');
    await sleep(200);
    const secondAt = Date.now();
    process.kill(run.pid!, 'SIGINT');
    const result = await run;

    expect(Date.now() - secondAt).toBeLessThan(3_000);
    expect(await leftoverProcesses(cwd)).toEqual([]);
    expect(result.exitCode).toBe(130);
    expect(committedNames(outputDir)).toEqual([]);
    expect(listClaims(outputDir)).toEqual([]);

    const resumed = await launcher(ARGS, { cwd, env: { CHUNKRUN_EXAMPLE_DELAY: '0.01' } });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(committedProblems(outputDir)).toEqual([]);
  }, 90_000);
});

/**
 * The launcher dies without a word (SIGKILL, or a hangup it does not handle): the runner
 * loses its stdin and its stdout at once. It must survive the broken pipe, stop its phases,
 * and SIGKILL a phase that ignores SIGTERM once the grace is over.
 */
describe.each(['SIGKILL', 'SIGHUP'] as const)('the launcher killed by %s', (signal) => {
  it('leaves no process, not even a phase that ignores SIGTERM, and commits nothing twice', async () => {
    const { cwd, outputDir } = setUp();
    writeFaultConfig(cwd, {}, { command: wrapperCommand(cwd, 'stubborn', "trap '' TERM") });
    // Chunks of 10 items at 6 s each: an orphaned phase would outlive the wait below by far.
    const run = launcher(ARGS, { cwd, env: { CHUNKRUN_EXAMPLE_DELAY: '6' } });
    await waitFor(() => phasePids(outputDir, cwd).length === 2, 30_000, 'two running phases');
    process.kill(run.pid!, signal);
    const result = await run;
    expect(result.signal).toBe(signal);

    // killGrace is 1 s: everything must be gone well within a few seconds of that.
    const left = await leftoverProcesses(cwd, 15_000);
    expect(left, 'processes of the run still alive after the launcher died').toEqual([]);
    expect(committedProblems(outputDir, { complete: false })).toEqual([]);

    const resumed = await launcher(ARGS, { cwd, env: { CHUNKRUN_EXAMPLE_DELAY: '0' } });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(committedProblems(outputDir)).toEqual([]);
  }, 90_000);
});

describe('SIGHUP to the chunk-runner', () => {
  it('is a stop like SIGTERM: running chunks finish and commit, no process is left', async () => {
    const { cwd, outputDir } = setUp();
    const env = { CHUNKRUN_EXAMPLE_DELAY: '0.05' };
    const runner = launcher(ARGS, { cwd, env });
    await waitFor(() => phasePids(outputDir, cwd).length > 0, 30_000, 'a running phase');
    const runnerPid = listClaims(outputDir)[0]!.claim.pid;
    const runningAtSignal = listClaims(outputDir).map(({ claim }) => claim.name);
    process.kill(runnerPid, 'SIGHUP');
    const result = await runner;

    expect(result.stderr).not.toMatch(/chunk-runner was killed by SIGHUP/);
    expect(await leftoverProcesses(cwd, 5_000)).toEqual([]);
    expect(committedNames(outputDir)).toEqual(expect.arrayContaining(runningAtSignal));
    expect(committedNames(outputDir).length).toBeLessThan(10);
    expect(committedProblems(outputDir, { complete: false })).toEqual([]);
  }, 90_000);
});

describe('a cancel that signals the phases and the runner together (as scancel or a preemption does)', () => {
  it('is a stop, not a failure: no chunk failed or blamed, and the same command resumes', async () => {
    const cwd = tempWorkDir('chunkrun-signal-');
    dirs.push(cwd);
    // No retries: a SIGTERM taken for a failure would fail its chunk for good.
    writeFaultConfig(cwd, { retries: 0 });
    const outputDir = path.join(cwd, 'data', 'phase1_0');
    const env = { CHUNKRUN_EXAMPLE_DELAY: '0.5' };
    const run = launcher(ARGS, { cwd, env });
    await waitFor(() => phasePids(outputDir, cwd).length === 2, 30_000, 'two running phases');
    const runner = processesMentioning(cwd).find((p) => p.command.includes('chunk-runner/main.js'));
    expect(runner, 'the chunk-runner process').toBeDefined();
    // The phases hear it first, the runner a moment later.
    for (const pid of phasePids(outputDir, cwd)) process.kill(pid, 'SIGTERM');
    await sleep(100);
    process.kill(runner!.pid, 'SIGTERM');
    const result = await run;

    expect(result.all).not.toMatch(/SIGTERM\)|killed by SIGTERM|failed for good/);
    expect(failedRecords(outputDir)).toEqual([]);
    expect(committedProblems(outputDir, { complete: false })).toEqual([]);
    const resumed = await launcher(ARGS, { cwd, env: { CHUNKRUN_EXAMPLE_DELAY: '0' } });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(committedProblems(outputDir)).toEqual([]);
  }, 90_000);
});

function failedRecords(outputDir: string): string[] {
  return (readdirSync(path.join(outputDir, 'chunks'), { recursive: true }) as string[]).filter((name) => name.endsWith('_FAILED'));
}
