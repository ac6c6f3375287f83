/**
 * Resume: what is committed is read off the chunk dirs' markers by one stat each; a marker's
 * content is read only by those who need it, once. A chunk whose commit is not on disk is run
 * again; a marker damaged after its commit is refused by the merge with the fix, never guessed.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { chunkDirFor, markerPathIn } from '../src/core/layout.js';
import { writeMarker, type Marker } from '../src/core/marker.js';
import { chunkName, nameWidthFor, type ChunkRange } from '../src/core/plan.js';
import { createRunFile, readRunFile, type RunFile } from '../src/core/run-file.js';
import { markerOf, scanDisk } from '../src/core/scan.js';
import type { LaunchOptions } from '../src/launcher/cli.js';
import { prepareLaunch } from '../src/launcher/prepare.js';
import { recordRun } from '../src/launcher/record-run.js';
import { launcher, readRecord } from './support/cli.js';
import { committedIndexes, expectExactlyOnce } from './support/disk.js';
import { committedProblems, faultWorkDirs, wrapperCommand, writeFaultConfig } from './support/faults.js';

const workDir = faultWorkDirs('chunkrun-resume-');
const WIDTH = nameWidthFor(99);

function markerFor(device: string, range: ChunkRange, finishedAt: string): Marker {
  return {
    version: 1,
    name: chunkName(range, WIDTH),
    ...range,
    device,
    host: 'here',
    attempt: 1,
    startedAt: '2026-11-26T10:00:00.000Z',
    finishedAt,
    durationMs: 1,
    files: [{ path: 'dataset_a.jsonl', bytes: 12, rows: 1 }],
  };
}

/** A chunk dir holding `marker` as its `_SUCCESS` (a Marker, raw text, or none), as a runner or a hand left it. */
function chunkDir(outputDir: string, device: string, range: ChunkRange, marker?: Marker | string): string {
  const dir = chunkDirFor(outputDir, device, range, WIDTH);
  mkdirSync(dir, { recursive: true });
  if (typeof marker === 'string') writeFileSync(markerPathIn(dir), marker);
  else if (marker) writeMarker(dir, marker);
  return dir;
}

describe('what the scan counts as committed', () => {
  it('a chunk dir whose _SUCCESS exists and is not empty; not one without it, nor one with an empty one (another tool writes those)', () => {
    const { outputDir } = workDir();
    chunkDir(outputDir, 'gpu0', { start: 0, end: 9 }, markerFor('gpu0', { start: 0, end: 9 }, '2026-11-26T11:00:00.000Z'));
    chunkDir(outputDir, 'gpu0', { start: 10, end: 19 });
    chunkDir(outputDir, 'gpu0', { start: 20, end: 29 }, '');
    chunkDir(outputDir, 'gpu1', { start: 30, end: 39 }, markerFor('gpu1', { start: 30, end: 39 }, '2026-11-26T11:00:00.000Z'));
    // Neither a file named like a chunk nor a runner's dot-folder is a chunk dir.
    writeFileSync(path.join(outputDir, 'chunks', 'gpu1', chunkName({ start: 40, end: 49 }, WIDTH)), 'a file');
    mkdirSync(path.join(outputDir, 'chunks', 'gpu1', '.attempts', chunkName({ start: 50, end: 59 }, WIDTH)), { recursive: true });

    const disk = scanDisk(outputDir);
    expect([...disk.committed.keys()].sort()).toEqual(['0-9', '30-39']);
    expect(disk.entries.map((entry) => [entry.name, entry.committedAtMs !== undefined]).sort()).toEqual([
      ['chunk_00000-00009', true],
      ['chunk_00010-00019', false],
      ['chunk_00020-00029', false],
      ['chunk_00030-00039', true],
    ]);
    expect(disk.devices).toEqual(['gpu0', 'gpu1']);
  });

  it('reads no marker: one damaged after its commit still counts, and reading it says which file and what to do', () => {
    const { outputDir } = workDir();
    const dir = chunkDir(outputDir, 'gpu0', { start: 0, end: 9 }, '{"version": 2, "torn');
    const entry = scanDisk(outputDir).committed.get('0-9')!;
    expect(entry.dir).toBe(dir);
    expect(() => markerOf(entry)).toThrow(DataError);
    expect(() => markerOf(entry)).toThrow(
      `${markerPathIn(dir)} is not a commit marker (not JSON); delete ${dir} and rerun the launcher to redo that chunk`,
    );
    writeFileSync(markerPathIn(dir), '{"version": 2}');
    const reread = scanDisk(outputDir).committed.get('0-9')!;
    expect(() => markerOf(reread)).toThrow(/_SUCCESS is not a commit marker \(name: .*\); delete .* and rerun the launcher/);
  });

  it('reads a marker once, when asked', () => {
    const { outputDir } = workDir();
    const dir = chunkDir(outputDir, 'gpu0', { start: 0, end: 9 }, markerFor('gpu0', { start: 0, end: 9 }, '2026-11-26T11:00:00.000Z'));
    const entry = scanDisk(outputDir).committed.get('0-9')!;
    expect(markerOf(entry).finishedAt).toBe('2026-11-26T11:00:00.000Z');
    // Read already: what is on disk now is not read again for this scan's entry.
    writeFileSync(markerPathIn(dir), 'damaged since');
    expect(markerOf(entry).finishedAt).toBe('2026-11-26T11:00:00.000Z');
  });

  it('keeps the earliest finished of two committed copies of a range, and a sound copy over a damaged one', () => {
    const { outputDir } = workDir();
    const late = '2026-11-26T11:05:00.000Z';
    const early = '2026-11-26T11:00:00.000Z';
    chunkDir(outputDir, 'gpu0', { start: 0, end: 9 }, markerFor('gpu0', { start: 0, end: 9 }, late));
    chunkDir(outputDir, 'gpu1', { start: 0, end: 9 }, markerFor('gpu1', { start: 0, end: 9 }, early));
    chunkDir(outputDir, 'gpu0', { start: 10, end: 19 }, 'damaged');
    chunkDir(outputDir, 'gpu1', { start: 10, end: 19 }, markerFor('gpu1', { start: 10, end: 19 }, late));
    chunkDir(outputDir, 'gpu2', { start: 10, end: 19 }, markerFor('gpu2', { start: 10, end: 19 }, late));

    const disk = scanDisk(outputDir);
    expect(disk.committed.get('0-9')!.device).toBe('gpu1');
    // Equal times: the first device folder's copy stays.
    expect(disk.committed.get('10-19')!.device).toBe('gpu1');
    expect(disk.duplicates.map((entry) => [entry.device, entry.name])).toEqual([
      ['gpu0', 'chunk_00000-00009'],
      ['gpu0', 'chunk_00010-00019'],
      ['gpu2', 'chunk_00010-00019'],
    ]);
  });
});

const args = ['--phase', '1', '--start', '0', '--end', '49', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--retries', '0'];

describe('resuming a run', () => {
  it('runs again a chunk whose _SUCCESS is gone or empty, and no other', async () => {
    const { cwd, outputDir, record } = workDir();
    writeFaultConfig(cwd);
    const first = await launcher([...args, '--no-merge'], { cwd });
    expect(first.exitCode, first.all).toBe(0);
    const disk = scanDisk(outputDir);
    rmSync(markerPathIn(disk.committed.get('10-19')!.dir));
    writeFileSync(markerPathIn(disk.committed.get('30-39')!.dir), '');

    const again = await launcher([...args, '--no-merge'], { cwd, env: { CHUNKRUN_EXAMPLE_RECORD: record } });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/2 done this run, 3 already committed/);
    const rerun = readRecord(record);
    expect(rerun.map((call) => call.start).sort((a, b) => a - b)).toEqual([10, 30]);
    expect(expectExactlyOnce(committedIndexes(outputDir), 0, 49)).toBeUndefined();
    expect(committedProblems(outputDir)).toEqual([]);
  }, 60_000);

  it('never counts a failed attempt as committed, even when its phase wrote a _SUCCESS of its own', async () => {
    const { cwd, outputDir } = workDir();
    const command = wrapperCommand(
      cwd,
      'spark-like',
      'if [ "$CHUNK_START" = 10 ] && [ -n "$WRITE_OWN_SUCCESS" ]; then echo \'{"job": "done"}\' > "$PHASE1_OUTPUT_DIR/_SUCCESS"; exit 3; fi',
    );
    writeFaultConfig(cwd, {}, { command });
    const failed = await launcher([...args, '--no-merge'], { cwd, env: { WRITE_OWN_SUCCESS: '1' } });
    expect(failed.exitCode, failed.all).toBe(1);
    expect(failed.stdout).toMatch(/FAILED 10-19/);
    const failedDir = scanDisk(outputDir).entries.find((entry) => entry.range.start === 10)!;
    expect(failedDir.committedAtMs).toBeUndefined();
    expect(readdirSync(failedDir.dir)).not.toContain('_SUCCESS');

    const again = await launcher([...args, '--no-merge'], { cwd });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/1 done this run, 4 already committed/);
    expect(committedProblems(outputDir)).toEqual([]);
  }, 60_000);

  it('a marker damaged after its commit: the merge names it and the fix, and following the fix finishes the run', async () => {
    const { cwd, outputDir } = workDir();
    writeFaultConfig(cwd);
    expect((await launcher([...args, '--no-merge'], { cwd })).exitCode).toBe(0);
    const damaged = scanDisk(outputDir).committed.get('20-29')!.dir;
    writeFileSync(markerPathIn(damaged), 'not json');

    const merge = await launcher(args, { cwd });
    expect(merge.exitCode, merge.all).toBe(1);
    expect(merge.stdout).toMatch(/nothing to do/);
    expect(merge.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        `merge failed: ${markerPathIn(damaged)} is not a commit marker (not JSON); delete ${damaged} and rerun the launcher to redo that chunk`,
      ),
    ]);

    rmSync(damaged, { recursive: true });
    const fixed = await launcher(args, { cwd });
    expect(fixed.exitCode, fixed.all).toBe(0);
    expect(fixed.stdout).toMatch(/1 done this run, 4 already committed/);
    const mergedRows = [...fixed.stdout.matchAll(/^merged: .* \((\d+) rows\)$/gm)].map((line) => Number(line[1]));
    expect(mergedRows.reduce((sum, rows) => sum + rows, 0)).toBe(50);
  }, 60_000);
});

describe('run.json', () => {
  it('of two launchers that both found it missing, the second stops when the first recorded another run', () => {
    const { cwd, outputDir } = workDir();
    writeFaultConfig(cwd);
    const options = (model: string): LaunchOptions => ({
      phase: '1',
      start: '0',
      end: '19',
      checkpointFrequency: '10',
      checkpoint: true,
      merge: false,
      devices: ['cpu:1'],
      model,
    });
    const first = prepareLaunch(options('first/model'), [], cwd);
    const second = prepareLaunch(options('second/model'), [], cwd);
    expect(first.recorded).toBeUndefined();
    expect(second.recorded).toBeUndefined();
    recordRun(first, 1);
    expect(() => recordRun(second, 1)).toThrow(/run\.json records a different run \(command .*first\/model.* -> .*second\/model/);
    expect(readRunFile(outputDir)!.command.join(' ')).toContain('first/model');
    // The same run again is no difference: it goes on.
    recordRun(prepareLaunch(options('first/model'), [], cwd), 1);
  });

  const run: RunFile = {
    version: 2,
    createdAt: '2026-11-26T10:00:00.000Z',
    phase: '1',
    start: 0,
    end: 99,
    checkpointFrequency: 10,
    command: ['python3', 'phase.py', '--start', '{start}', '--end', '{end}'],
    configDir: '.',
    outputs: ['dataset_*'],
  };

  it("is created by one launcher only: a second one gets the first one's run back to compare with", () => {
    const { outputDir } = workDir();
    mkdirSync(outputDir, { recursive: true });
    expect(createRunFile(outputDir, run)).toBeUndefined();
    const other = { ...run, command: ['python3', 'other.py'] };
    expect(createRunFile(outputDir, other)).toEqual(run);
    expect(readRunFile(outputDir)).toEqual(run);
    expect(readdirSync(outputDir)).toEqual(['run.json']);
  });
});
