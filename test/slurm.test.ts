/** A real two-node Slurm cluster: the array of runners, the dependent merge, a task cancelled mid-run. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { launcher, useWorkDir } from './support/cli.js';
import { committedIndexes, expectExactlyOnce, listDir } from './support/disk.js';
import { waitFor, wrapperCommand, writeFaultConfig } from './support/faults.js';
import { describeWithReal, slurmUnavailable } from './support/real-cluster.js';
import { readRows } from './merge-helpers.js';

const work = useWorkDir({ beforeEach, afterEach });
const jobsToCancel: string[] = [];
afterEach(async () => {
  if (jobsToCancel.length > 0) await execa('scancel', jobsToCancel.splice(0), { reject: false });
});

function submitted(stdout: string): { runners: string; merge: string } {
  const runners = /array job (\d+)/.exec(stdout)?.[1];
  const merge = /submitted merge: job (\d+)/.exec(stdout)?.[1];
  if (!runners || !merge) throw new Error(`no job ids in: ${stdout}`);
  jobsToCancel.push(runners, merge);
  return { runners, merge };
}

function logOf(dir: string, name: string): string {
  const file = path.join(dir, 'slurm', 'logs', name);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

describeWithReal('Slurm backend', slurmUnavailable(), () => {
  it('runs 0..488 as an array of two tasks on two nodes, each index once, then the dependent merge', async () => {
    writeFaultConfig(work.dir);
    const args = [
      '--phase',
      '1',
      '--start',
      '0',
      '--end',
      '488',
      '--slurm',
      '--nodes',
      '2',
      '--gpus-per-node',
      '2',
      '--sbatch-arg=--cpus-per-task=2',
    ];
    const result = await launcher([...args, '--wait'], { cwd: work.dir, timeoutMs: 300_000 });
    expect(result.exitCode, result.all).toBe(0);
    const jobs = submitted(result.stdout);
    expect(result.stdout).toContain(`after array job ${jobs.runners} ends (afterany)`);
    expect(result.stdout).toMatch(new RegExp(`merge job ${jobs.merge} ended: COMPLETED, exit code 0`));

    const out = work.outputDir();
    expect(expectExactlyOnce(committedIndexes(out), 0, 488)).toBeUndefined();
    // Host-qualified device folders: task i is host i, its GPUs from Slurm's CUDA_VISIBLE_DEVICES.
    const folders = listDir(path.join(out, 'chunks')).filter((name) => !name.startsWith('.'));
    expect(
      folders.every((name) => /^[01]\.gpu\d$/.test(name)),
      folders.join(','),
    ).toBe(true);
    expect(new Set(folders.map((name) => name[0]))).toEqual(new Set(['0', '1']));
    for (const task of ['0', '1'])
      expect(logOf(out, `runner-${jobs.runners}_${task}.out`)).toMatch(/runner finished: \d+ committed, 0 failed/);

    // The merge job's files: one per host-device, every index once, read back by an independent reader.
    const merged = readdirSync(out).filter((name) => /^dataset_.+\.parquet$/.test(name));
    expect(merged.map((name) => name.replace(/_\d{8}T\d{6}Z\.parquet$/, '')).sort()).toEqual(folders.map((f) => `dataset_${f}`).sort());
    const indexes: number[] = [];
    for (const file of merged) for (const row of await readRows(path.join(out, file))) indexes.push(Number(row.index));
    expect(expectExactlyOnce(indexes, 0, 488)).toBeUndefined();
    expect(logOf(out, `merge-${jobs.merge}.out`)).toMatch(/rows/);
    expect(readFileSync(path.join(out, 'slurm', 'runners.sbatch'), 'utf8')).toMatch(/#SBATCH --array=0-1/);
    expect(JSON.stringify(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')))).not.toContain(work.dir);

    // The same line again: every chunk is committed, so only the merge is submitted, and it changes nothing.
    const again = await launcher([...args, '--wait'], { cwd: work.dir, timeoutMs: 120_000 });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/every chunk is committed; submitting only the merge/);
    expect(again.stdout).not.toMatch(/submitted runners/);
    const rerunMerge = /submitted merge: job (\d+)/.exec(again.stdout)![1]!;
    expect(logOf(out, `merge-${rerunMerge}.out`)).toMatch(/unchanged/);
    expect(readFileSync(path.join(out, 'runner-spec.json'), 'utf8')).not.toContain(work.dir);
  });

  it('a task cancelled mid-run: the other task takes over the chunk it was running, and the merge still completes', async () => {
    writeFaultConfig(work.dir, { lease: '3s', stopGrace: '1s', killGrace: '1s' });
    const env = { CHUNKRUN_EXAMPLE_DELAY: '0.02' };
    const args = [
      '--phase',
      '1',
      '--start',
      '0',
      '--end',
      '239',
      '--checkpoint-frequency',
      '20',
      '--slurm',
      '--nodes',
      '2',
      '--gpus-per-node',
      '1',
      '--sbatch-arg=--cpus-per-task=2',
    ];
    const first = await launcher(args, { cwd: work.dir, env, timeoutMs: 60_000 });
    expect(first.exitCode, first.all).toBe(0);
    const jobs = submitted(first.stdout);
    const out = work.outputDir();
    const taskLog = `runner-${jobs.runners}_1.out`;
    // Task 1 has started a chunk: cancel it there, as a user or a preemption would.
    await waitFor(() => /1\.gpu\d chunk_\S+ started/.test(logOf(out, taskLog)), 120_000, 'task 1 to start a chunk');
    await execa('scancel', [`${jobs.runners}_1`]);

    // Rerunning the same line while the jobs live submits nothing and, with --wait, waits for the merge.
    const again = await launcher([...args, '--wait'], { cwd: work.dir, env, timeoutMs: 240_000 });
    expect(again.stdout).toMatch(/already submitted and still in Slurm/);
    expect(again.exitCode, again.all).toBe(0);
    const cancelled = logOf(out, taskLog);
    expect(cancelled).toMatch(/stopping/);
    expect(logOf(out, `runner-${jobs.runners}_0.out`)).toMatch(/runner finished: \d+ committed, 0 failed/);
    expect(expectExactlyOnce(committedIndexes(out), 0, 239)).toBeUndefined();
    // The chunk task 1 was running when cancelled was committed by host 0.
    const started = [...cancelled.matchAll(/1\.gpu\d (chunk_\S+) started/g)].map((m) => m[1]!);
    const committedThere = new Set([...cancelled.matchAll(/1\.gpu\d (chunk_\S+) committed/g)].map((m) => m[1]!));
    const cut = started.filter((name) => !committedThere.has(name));
    expect(cut.length, cancelled).toBeGreaterThan(0);
    for (const name of cut) {
      const holders = listDir(path.join(out, 'chunks')).filter(
        (f) => !f.startsWith('.') && existsSync(path.join(out, 'chunks', f, name, '_SUCCESS')),
      );
      expect(holders, `${name} after the cancel`).toEqual([holders[0]]);
      expect(holders[0]).toMatch(/^0\./);
    }
  });

  it('a chunk that fails for good: the merge job refuses a partial merge and --wait exits 1', async () => {
    writeFaultConfig(work.dir, { retries: 0 }, { command: wrapperCommand(work.dir, 'fails-at-40', '[ "$CHUNK_START" = 40 ] && exit 3') });
    const args = [
      '--phase',
      '1',
      '--start',
      '0',
      '--end',
      '79',
      '--checkpoint-frequency',
      '20',
      '--slurm',
      '--nodes',
      '2',
      '--gpus-per-node',
      '1',
    ];
    const result = await launcher([...args, '--wait'], { cwd: work.dir, timeoutMs: 180_000 });
    expect(result.exitCode, result.all).toBe(1);
    const jobs = submitted(result.stdout);
    expect(result.stdout).toMatch(new RegExp(`merge job ${jobs.merge} ended: FAILED, exit code 1`));
    const mergeLog = logOf(work.outputDir(), `merge-${jobs.merge}.out`);
    expect(mergeLog).toMatch(/40-59/);
    expect(readdirSync(work.outputDir()).filter((name) => name.endsWith('.parquet'))).toEqual([]);
  });
});
