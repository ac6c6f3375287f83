/**
 * The output dir fills up mid-run (a small tmpfs): a clear error, no new chunks, the
 * committed ones stay valid, and after space is freed the same command finishes the run.
 * Needs root to mount; skipped with the reason otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorMessage } from '../src/core/errors.js';
import { launcher, removeDir, tempWorkDir } from './support/cli.js';
import {
  committedNames,
  committedProblems,
  killAll,
  leftoverProcesses,
  processesMentioning,
  wrapperCommand,
  writeFaultConfig,
} from './support/faults.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A tmpfs of `size` at `dir`, or the reason it cannot be had. */
function mountTmpfs(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs (needs root): ${errorMessage(error).split('\n')[0]}`;
  }
}

/** The output dir on a 200k tmpfs under a fresh work dir, or skip the test with the reason. */
function smallDisk(context: { skip: (note: string) => never }): { cwd: string; outputDir: string } {
  const cwd = tempWorkDir('chunkrun-diskfull-');
  cleanups.push(() => removeDir(cwd));
  const outputDir = path.join(cwd, 'small-disk');
  mkdirSync(outputDir);
  const whyNot = mountTmpfs(outputDir, '200k');
  if (whyNot) context.skip(whyNot);
  cleanups.push(() => {
    killAll(processesMentioning(cwd));
    execFileSync('umount', ['-l', outputDir]);
  });
  return { cwd, outputDir };
}

const ENV = { CHUNKRUN_EXAMPLE_DELAY: '0.002' };

function argsFor(outputDir: string): string[] {
  return [
    '--phase',
    '1',
    '--start',
    '0',
    '--end',
    '299',
    '--checkpoint-frequency',
    '10',
    '--devices',
    'cpu:2',
    '--output-dir',
    outputDir,
    '--no-merge',
  ];
}

/** The full run must end (exit 1, clearly), keep its commits valid, and finish once there is space. */
async function expectStopAndResume(cwd: string, outputDir: string): Promise<void> {
  const args = argsFor(outputDir);
  const full = await launcher(args, { cwd, env: ENV, timeoutMs: 30_000 });
  expect(full.timedOut, 'the launcher hung on the full disk').toBe(false);
  expect(full.exitCode, full.all).toBe(1);
  expect(full.all).toMatch(/ENOSPC|no space left|is full/i);
  expect(await leftoverProcesses(cwd)).toEqual([]);
  const committedWhenFull = committedNames(outputDir);
  expect(committedWhenFull.length).toBeLessThan(30);
  expect(committedProblems(outputDir, { complete: false })).toEqual([]);

  execFileSync('mount', ['-o', 'remount,size=16m', outputDir]);
  const resumed = await launcher(args, { cwd, env: ENV });
  expect(resumed.exitCode, resumed.all).toBe(0);
  expect(committedNames(outputDir)).toEqual(expect.arrayContaining(committedWhenFull));
  expect(committedProblems(outputDir)).toEqual([]);
}

describe('a full disk', () => {
  it("filled by the phases' outputs: the run stops clearly, keeps what is committed, and resumes once there is space", async (context) => {
    const { cwd, outputDir } = smallDisk(context);
    writeFaultConfig(cwd);
    await expectStopAndResume(cwd, outputDir);
    expect(committedNames(outputDir).length).toBe(30);
  }, 120_000);

  it("filled by something else while chunks start: the runner's own writes fail, and it still stops", async (context) => {
    const { cwd, outputDir } = smallDisk(context);
    const flag = path.join(cwd, 'fill-once');
    writeFileSync(flag, '');
    // The first chunk fills the disk (once) outside any chunk dir, so the runner's next writes hit ENOSPC.
    const filler = path.join(outputDir, 'filler');
    const command = wrapperCommand(
      cwd,
      'fill-disk',
      `if [ "$CHUNK_START" = 0 ] && [ -e "${flag}" ]; then rm "${flag}"; head -c 10000000 /dev/zero > "${filler}"; exit 1; fi`,
    );
    writeFaultConfig(cwd, {}, { command });
    await expectStopAndResume(cwd, outputDir);
  }, 120_000);
});
