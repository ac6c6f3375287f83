/**
 * Several targets with many chunks are merged side by side on worker threads: the files hold
 * the same rows as a merge one target after another, and a failing target reports its error as
 * the same kind of error (its exit code depends on it), naming the file.
 */
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WorkerPool } from '../src/core/worker-pool.js';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted } from '../src/merge/index.js';
import { PARALLEL_MIN_CHUNKS, parallelTargets } from '../src/merge/target-pool.js';
import type { TargetJob } from '../src/merge/target-merge.js';
import { commitChunk, indexedChunk, makeRun, readRows, removeDir, tempDir } from './merge-helpers.js';

const CHUNKS = PARALLEL_MIN_CHUNKS + 200;
const ROWS = 3;

describe('targets merged side by side', () => {
  let dir: string;
  let chunkDirs: string[];
  beforeAll(() => {
    dir = tempDir();
    makeRun(dir, { start: 0, end: CHUNKS * ROWS - 1, frequency: ROWS, indexColumn: 'index' });
    chunkDirs = Array.from({ length: CHUNKS }, (_, n) => {
      const range = { start: n * ROWS, end: n * ROWS + ROWS - 1 };
      return commitChunk(
        dir,
        `gpu${n % 2}`,
        range,
        [{ name: 'o.parquet', content: indexedChunk(range, (i) => ({ tag: `t${i}` })) }],
        CHUNKS * ROWS - 1,
      );
    });
  }, 120_000);
  afterAll(() => removeDir(dir));

  it('would run on worker threads here (two targets, enough chunks, two cores or more)', () => {
    const job = (name: string, chunks: number) => ({ target: { name, chunks: new Array(chunks) } }) as unknown as TargetJob;
    expect(parallelTargets([job('gpu0', CHUNKS / 2), job('gpu1', CHUNKS / 2)], 2)).toBe(2);
    expect(parallelTargets([job('gpu0', CHUNKS / 2), job('gpu1', CHUNKS / 2)], 1)).toBe(1);
    expect(parallelTargets([job('all', CHUNKS)], 8)).toBe(1);
    expect(parallelTargets([job('gpu0', 10), job('gpu1', 10)], 8)).toBe(1);
    const eight = Array.from({ length: 8 }, (_, i) => job(`gpu${i}`, CHUNKS));
    expect(parallelTargets(eight, 64)).toBe(4);
  });

  it('every index exactly once, in order, in each device file', async () => {
    const open = vi.spyOn(WorkerPool, 'open');
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const outcomes = await mergeCommitted({ outputDir: dir });
    // Each target went to a worker thread of its own: one that dies fails its own target alone.
    expect(open.mock.calls.map(([, size]) => size)).toEqual([1, 1]);
    expect(run.mock.calls.map(([job]) => (job as TargetJob).target.name)).toEqual(['gpu0', 'gpu1']);
    open.mockRestore();
    run.mockRestore();
    expect(outcomes.map((outcome) => outcome.device)).toEqual(['gpu0', 'gpu1']);
    for (const [device, outcome] of outcomes.entries()) {
      const rows = await readRows(outcome.file);
      const expected = Array.from({ length: CHUNKS / 2 }, (_, k) => 2 * k + device).flatMap((n) =>
        Array.from({ length: ROWS }, (_, i) => n * ROWS + i),
      );
      expect(rows.map((row) => Number(row.index))).toEqual(expected);
      expect(rows.every((row) => row.tag === `t${Number(row.index)}`)).toBe(true);
    }
  });

  it('a damaged chunk on one device fails its target with a DataError naming the file', async () => {
    const damaged = path.join(chunkDirs[CHUNKS - 1]!, 'o.parquet'); // on gpu1
    writeFileSync(damaged, Buffer.alloc(0));
    // Without the merged files, both targets are merged again (with them, the no-op check would not look).
    for (const name of readdirSync(dir)) if (name.startsWith('dataset_')) unlinkSync(path.join(dir, name));
    const error = await mergeCommitted({ outputDir: dir }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(damaged);
    // gpu0's merge ran beside it and stands; nothing half-written is left.
    expect(readdirSync(dir).filter((name) => name.includes('dataset_'))).toEqual([expect.stringMatching(/^dataset_gpu0_.*\.parquet$/)]);
  });
});
