import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launcher, readRecord, useWorkDir } from './support/cli.js';
import { readRows } from './merge-helpers.js';
import { committedIndexes, expectExactlyOnce, listDir, markersMatchFiles } from './support/disk.js';

const work = useWorkDir({ beforeEach, afterEach });

describe('a full checkpointed run', () => {
  it('commits every index 0..488 exactly once on 3 CPU devices, then a rerun does nothing', async () => {
    const first = await launcher(['--phase', '1', '--start', '0', '--end', '488', '--devices', 'cpu:3', '--no-merge'], {
      cwd: work.dir,
      env: { CHUNKRUN_EXAMPLE_RECORD: work.record },
    });
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toMatch(/chunks: 10 done this run, 0 already committed \(skipped\), 0 failed/);

    expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 488)).toBeUndefined();
    expect(markersMatchFiles(work.outputDir())).toBeUndefined();
    expect(listDir(path.join(work.outputDir(), 'chunks'))).toEqual(['cpu0', 'cpu1', 'cpu2']);
    const names = ['cpu0', 'cpu1', 'cpu2'].flatMap((d) =>
      listDir(path.join(work.outputDir(), 'chunks', d)).filter((n) => n.startsWith('chunk_')),
    );
    expect(names.sort()).toEqual(
      Array.from(
        { length: 10 },
        (_, i) => `chunk_${String(i * 50).padStart(5, '0')}-${String(Math.min(488, i * 50 + 49)).padStart(5, '0')}`,
      ),
    );
    for (const device of ['cpu0', 'cpu1', 'cpu2'])
      expect(existsSync(path.join(work.outputDir(), 'chunks', device, 'completed.json'))).toBe(true);
    const runJson = JSON.parse(readFileSync(path.join(work.outputDir(), 'run.json'), 'utf8'));
    expect(runJson).toMatchObject({ phase: '1', start: 0, end: 488, checkpointFrequency: 50 });
    expect(readRecord(work.record)).toHaveLength(10);

    const again = await launcher(['--phase', '1', '--start', '0', '--end', '488', '--devices', 'cpu:3', '--no-merge'], {
      cwd: work.dir,
      env: { CHUNKRUN_EXAMPLE_RECORD: work.record },
    });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/nothing to do: all 10 chunks of phase 1 \(0-488\) were already committed/);
    expect(readRecord(work.record)).toHaveLength(10);
  });

  it('gives each chunk its device env: --gpus sets CUDA_VISIBLE_DEVICES to the chunk device', async () => {
    const bin = path.join(work.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\nprintf "0\\n1\\n2\\n3\\n"\n');
    chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
    const result = await launcher(
      ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--gpus', '1,3', '--no-merge'],
      {
        cwd: work.dir,
        env: { PATH: `${bin}:${process.env.PATH}`, CHUNKRUN_EXAMPLE_RECORD: work.record, CUDA_VISIBLE_DEVICES: undefined },
      },
    );
    expect(result.exitCode, result.all).toBe(0);
    const calls = readRecord(work.record);
    expect(calls).toHaveLength(10);
    for (const call of calls) expect(`gpu${call.cuda_visible_devices}`).toBe(call.device);
    expect(new Set(calls.map((c) => c.device))).toEqual(new Set(['gpu1', 'gpu3']));
    expect(listDir(path.join(work.outputDir(), 'chunks'))).toEqual(['gpu1', 'gpu3']);
  });

  it('warns and uses CPU slots when there is no accelerator', async () => {
    const result = await launcher(['--phase', '1', '--start', '0', '--end', '9', '--checkpoint-frequency', '5', '--no-merge'], {
      cwd: work.dir,
      env: { CUDA_VISIBLE_DEVICES: undefined, PATH: '/usr/local/bin:/usr/bin:/bin' },
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toMatch(/no accelerator found .* CPU slot\(s\); pass --devices to choose/);
  });

  it('--dry-run prints the plan and starts nothing', async () => {
    const result = await launcher(['--phase', '1', '--start', '0', '--end', '488', '--devices', 'cpu:3', '--dry-run'], {
      cwd: work.dir,
      env: { CHUNKRUN_EXAMPLE_RECORD: work.record },
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/10 chunks of 50/);
    expect(result.stdout).toMatch(/cpu0: starts with 4 chunks \(chunk_00000-00049, 0-199\)/);
    expect(result.stdout).toMatch(/dry run: nothing started/);
    expect(existsSync(work.outputDir())).toBe(false);
    expect(readRecord(work.record)).toHaveLength(0);
  });
});

describe('resume', () => {
  it('reuses chunks committed by 3 devices when rerun with 2, running only the rest', async () => {
    // A chunk that fails on every attempt leaves the first run partial.
    const partial = await launcher(['--phase', '1', '--start', '0', '--end', '299', '--devices', 'cpu:3', '--retries', '0', '--no-merge'], {
      cwd: work.dir,
      env: { CHUNKRUN_EXAMPLE_RECORD: work.record, CHUNKRUN_EXAMPLE_FAIL_INDEX: '120' },
    });
    expect(partial.exitCode, partial.all).toBe(1);
    // --retries 0: one attempt in all.
    expect(partial.stdout).toMatch(/FAILED 100-149 on cpu\d after 1 attempt\(s\): exit code 3/);
    expect(partial.stdout).toMatch(/log: .*chunks\/cpu\d\/chunk_00100-00149\/run\.log/);
    expect(partial.stdout).toMatch(/not committed: 100-149; rerun the same command/);
    expect(readRecord(work.record)).toHaveLength(6);

    const resumed = await launcher(['--phase', '1', '--start', '0', '--end', '299', '--devices', 'cpu:2', '--retries', '0', '--no-merge'], {
      cwd: work.dir,
      env: { CHUNKRUN_EXAMPLE_RECORD: work.record },
    });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.stdout).toMatch(/chunks: 1 done this run, 5 already committed \(skipped\), 0 failed/);
    const calls = readRecord(work.record);
    expect(calls.slice(6).map((c) => [c.start, c.end])).toEqual([[100, 149]]);
    expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 299)).toBeUndefined();
  });

  it('refuses a rerun whose plan differs, saying what differs and how to start fresh', async () => {
    const first = await launcher(
      ['--phase', '1', '--start', '0', '--end', '19', '--checkpoint-frequency', '10', '--devices', 'cpu:1', '--no-merge'],
      { cwd: work.dir },
    );
    expect(first.exitCode, first.all).toBe(0);
    const differs = await launcher(['--phase', '1', '--start', '0', '--end', '29', '--checkpoint-frequency', '5', '--devices', 'cpu:1'], {
      cwd: work.dir,
    });
    expect(differs.exitCode).toBe(2);
    expect(differs.stderr.trim().split('\n')).toHaveLength(1);
    expect(differs.stderr).toMatch(
      /records a different run \(end 19 -> 29; checkpointFrequency 10 -> 5\).*move .* aside .* to start fresh/,
    );
    const extraArgs = await launcher(
      ['--phase', '1', '--start', '0', '--end', '19', '--checkpoint-frequency', '10', '--devices', 'cpu:1', '--', '--delay', '0'],
      { cwd: work.dir },
    );
    expect(extraArgs.exitCode).toBe(2);
    expect(extraArgs.stderr).toMatch(/command .* -> .* --delay 0/);
  });
});

describe('--no-checkpoint', () => {
  it('runs one process per device over its static slice, with no chunk dirs and no output-dir variable', async () => {
    const result = await launcher(['--phase', '1', '--start', '0', '--end', '29', '--devices', 'cpu:3', '--no-checkpoint'], {
      cwd: work.dir,
      env: { CHUNKRUN_EXAMPLE_RECORD: work.record, PHASE1_OUTPUT_DIR: undefined },
    });
    expect(result.exitCode, result.all).toBe(0);
    const calls = readRecord(work.record).sort((a, b) => a.start - b.start);
    expect(calls.map((c) => [c.start, c.end, c.attempt])).toEqual([
      [0, 9, null],
      [10, 19, null],
      [20, 29, null],
    ]);
    expect(existsSync(path.join(work.outputDir(), 'chunks'))).toBe(false);
    expect(existsSync(path.join(work.outputDir(), 'run.json'))).toBe(false);
    // The phase fell back to its default dir itself: one dataset per slice there.
    expect(listDir(work.outputDir()).filter((f) => f.startsWith('dataset_'))).toHaveLength(3);
  });
});

describe('the merge at the end of a run', () => {
  it('merges each device into dataset_<device>_<ts>.parquet, prints it with its rows, and leaves it alone on a rerun', async () => {
    const args = ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:2'];
    const result = await launcher(args, { cwd: work.dir });
    expect(result.exitCode, result.all).toBe(0);
    const merged = [...result.stdout.matchAll(/merged: (\S+dataset_(cpu\d)_\d{8}T\d{6}Z\.parquet) \((\d+) rows\)/g)];
    expect(merged.map((m) => m[2]).sort()).toEqual(['cpu0', 'cpu1']);
    const indexes: number[] = [];
    for (const [, file, , rows] of merged) {
      const read = (await readRows(file!)) as { index: bigint | number }[];
      expect(read).toHaveLength(Number(rows));
      const own = read.map((row) => Number(row.index));
      expect(own).toEqual([...own].sort((a, b) => a - b));
      indexes.push(...own);
    }
    expect(expectExactlyOnce(indexes, 0, 99)).toBeUndefined();

    const again = await launcher(args, { cwd: work.dir });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/merged: .*dataset_cpu0_.*, unchanged\)/);
    expect(listDir(work.outputDir()).filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
  });
});
