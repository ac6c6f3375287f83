/** Plans of millions of chunks through the real CLIs: answered from what is on disk, never from a listed grid. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { launcher, repoRoot, runnerBin, useWorkDir, writeTestConfig } from './support/cli.js';
import { writeRunFile } from '../src/core/run-file.js';
import { writeRunnerSpecFile } from '../src/core/runner-spec-file.js';
import { writeMarker } from '../src/core/marker.js';
import { chunkDirFor } from '../src/core/layout.js';
import { chunkName, nameWidthFor } from '../src/core/plan.js';

const work = useWorkDir({ beforeEach, afterEach });
const TEN_MILLION_END = 9_999_999;

/** run.json of phase 1 over 0..9,999,999 in one-item chunks, and these chunks committed. */
function runWithCommitted(indexes: number[]): string {
  writeTestConfig(work.dir);
  const outputDir = work.outputDir();
  mkdirSync(outputDir, { recursive: true });
  writeRunFile(outputDir, {
    version: 1,
    createdAt: new Date().toISOString(),
    phase: '1',
    start: 0,
    end: TEN_MILLION_END,
    checkpointFrequency: 1,
    // What the launcher records for the test config's phase 1, so a rerun resumes this run.
    command: [
      'python3',
      `${path.join(repoRoot, 'config')}/../python/examples/phase1.py`,
      '--start',
      '{start}',
      '--end',
      '{end}',
      '--model',
      'google/gemma-2-2b',
    ],
    outputs: ['dataset_*'],
    indexColumn: 'index',
  });
  const width = nameWidthFor(TEN_MILLION_END);
  for (const index of indexes) {
    const range = { start: index, end: index };
    const dir = chunkDirFor(outputDir, `cpu${index % 2}`, range, width);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'dataset_0.jsonl'), `{"index": ${index}}\n`);
    const now = new Date().toISOString();
    writeMarker(dir, {
      version: 1,
      name: chunkName(range, width),
      ...range,
      device: `cpu${index % 2}`,
      host: 'test',
      attempt: 1,
      startedAt: now,
      finishedAt: now,
      durationMs: 1,
      files: [{ path: 'dataset_0.jsonl', bytes: 14, rows: 1 }],
    });
  }
  // The runner's own dot-folders are never taken for devices or chunks.
  mkdirSync(path.join(outputDir, 'chunks', 'cpu0', '.attempts', 'chunk_0000003-0000003.t1.a1'), { recursive: true });
  mkdirSync(path.join(outputDir, 'chunks', '.moved-aside'), { recursive: true });
  return outputDir;
}

describe('a plan of 10,000,000 one-item chunks', () => {
  it('--dry-run shows each device its block', async () => {
    writeTestConfig(work.dir);
    const result = await launcher(
      ['--phase', '1', '--start', '0', '--end', String(TEN_MILLION_END), '--checkpoint-frequency', '1', '--devices', 'cpu:3', '--dry-run'],
      { cwd: work.dir },
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('10000000 chunks of 1');
    expect(result.stdout).toContain('0 chunks already committed, 10000000 to run');
    expect(result.stdout).toContain('cpu0: starts with 3333334 chunks (chunk_0000000-0000000, 0-3333333)');
    expect(result.stdout).toContain('cpu2: starts with 3333333 chunks (chunk_6666667-6666667, 6666667-9999999)');
  });

  it('status counts what is on disk against the plan', async () => {
    const outputDir = runWithCommitted([0, 1, 2, 7, TEN_MILLION_END]);
    const result = await launcher(['status', '--phase', '1', '--output-dir', outputDir, '--json'], { cwd: work.dir });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.totals).toMatchObject({ chunks: 10_000_000, committed: 5, pending: 9_999_995, items: 10_000_000, itemsCommitted: 5 });
    expect(report.pendingRanges).toBe('3-6, 8-9999998');
    expect(report.devices.map((device: { name: string }) => device.name)).toEqual(['cpu0', 'cpu1']);
    expect(report.state).toBe('incomplete');
  });

  it('a dry run of the same plan skips what is committed', async () => {
    runWithCommitted([0, 1, 2, 7, TEN_MILLION_END]);
    const result = await launcher(
      ['--phase', '1', '--start', '0', '--end', String(TEN_MILLION_END), '--checkpoint-frequency', '1', '--devices', 'cpu:2', '--dry-run'],
      { cwd: work.dir },
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('5 chunks already committed, 9999995 to run');
    expect(result.stdout).toContain('cpu0: starts with 4999998 chunks (chunk_0000003-0000003, 3-6, 8-5000001)');
    expect(result.stdout).toContain('cpu1: starts with 4999997 chunks (chunk_5000002-5000002, 5000002-9999998)');
  });
});

describe('chunk-runner refuses a host that does not fit the run', () => {
  it('a --host-index past the hosts of the run', async () => {
    runWithCommitted([]);
    writeRunnerSpecFile(work.outputDir(), {
      version: 1,
      phase: '1',
      commandTemplate: ['{python}', 'x.py'],
      python: 'python3',
      hosts: 2,
      settings: {
        retries: 0,
        retryBackoffMs: 100,
        chunkTimeoutMs: null,
        killGraceMs: 100,
        stopGraceMs: 100,
        leaseMs: 60_000,
        maxConsecutiveDeviceFailures: 3,
        maxLogBytes: 1_000_000,
        worker: null,
      },
      outputDirEnv: 'PHASE1_OUTPUT_DIR',
      phaseEnv: {},
      deviceEnv: {},
    });
    const result = await execa(process.execPath, [runnerBin, '--output-dir', work.outputDir(), '--devices', 'cpu:2', '--host-index', '2'], {
      cwd: work.dir,
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(["chunk-runner: --host-index 2 is outside the run's hosts (2); rerun the launcher"]);
  });
});
