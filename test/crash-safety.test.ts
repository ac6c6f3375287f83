import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launcher, readRecord, useWorkDir } from './support/cli.js';
import { committedIndexes, expectExactlyOnce, markersMatchFiles } from './support/disk.js';
import { processesMentioning, waitFor } from './support/processes.js';
import { markerOf, scanDisk } from '../src/core/scan.js';

const work = useWorkDir({ beforeEach, afterEach });
const args = ['--phase', '1', '--start', '0', '--end', '199', '--checkpoint-frequency', '20', '--devices', 'cpu:2', '--no-merge'];
// 20 items of 25 ms: each chunk runs about half a second, long enough to be killed mid-way.
const slow = () => ({ CHUNKRUN_EXAMPLE_RECORD: work.record, CHUNKRUN_EXAMPLE_DELAY: '0.025' });

describe('crash safety', () => {
  it('kill -9 of a chunk subprocess mid-chunk: the attempt fails, is retried, and the run completes exactly once', async () => {
    const run = launcher(args, { cwd: work.dir, env: slow() });
    expect(await waitFor(() => readRecord(work.record).length >= 3, 30_000)).toBe(true);
    const victim = readRecord(work.record)[2]!;
    process.kill(victim.pid, 'SIGKILL');
    const result = await run;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/0 failed/);
    const retried = readRecord(work.record).filter((call) => call.start === victim.start);
    expect(retried.map((call) => call.attempt)).toEqual([1, 2]);
    expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 199)).toBeUndefined();
    expect(markersMatchFiles(work.outputDir())).toBeUndefined();
  });

  it('kill -9 of the launcher mid-run: its runner and phases stop, and a rerun finishes with each index exactly once', async () => {
    const run = launcher(args, { cwd: work.dir, env: slow() });
    expect(await waitFor(() => readRecord(work.record).length >= 4, 30_000)).toBe(true);
    run.kill('SIGKILL');
    await run;
    // The runner notices its launcher is gone and stops its phases' process groups.
    expect(await waitFor(() => processesMentioning(work.dir).length === 0, 15_000)).toBe(true);

    const committedBefore = scanDisk(work.outputDir()).committed.size;
    expect(committedBefore).toBeLessThan(10);
    const rerun = await launcher(args, { cwd: work.dir, env: { CHUNKRUN_EXAMPLE_RECORD: work.record } });
    expect(rerun.exitCode, rerun.all).toBe(0);
    expect(rerun.stdout).toMatch(new RegExp(`${10 - committedBefore} done this run, ${committedBefore} already committed`));
    expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 199)).toBeUndefined();
    expect(markersMatchFiles(work.outputDir())).toBeUndefined();
    // No chunk dir without a marker is counted, and none is left behind.
    expect(scanDisk(work.outputDir()).entries.every((entry) => entry.committedAtMs !== undefined && markerOf(entry))).toBe(true);
  });

  it('two launchers started at once on one output dir never run the same chunk', async () => {
    const [a, b] = await Promise.all([launcher(args, { cwd: work.dir, env: slow() }), launcher(args, { cwd: work.dir, env: slow() })]);
    expect(a.exitCode, a.all).toBe(0);
    expect(b.exitCode, b.all).toBe(0);
    const calls = readRecord(work.record);
    const ranges = calls.map((call) => `${call.start}-${call.end}`);
    expect(new Set(ranges).size).toBe(ranges.length);
    expect(ranges).toHaveLength(10);
    expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 199)).toBeUndefined();
  });
});
