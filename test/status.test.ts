/** `launcher status`: the status model from disk facts, and the command against real runs. */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../src/core/atomic-file.js';
import type { Claim, Liveness } from '../src/core/claim-rules.js';
import { attemptLogName, chunkDirFor, claimPathFor, FAILED_FILE, markerPathIn, mergedFileName, PROGRESS_FILE } from '../src/core/layout.js';
import { writeMarker } from '../src/core/marker.js';
import { chunkName, nameWidthFor, type ChunkRange } from '../src/core/plan.js';
import { writeRunFile, type RunFile } from '../src/core/run-file.js';
import { readStatusFacts } from '../src/status/read-status-facts.js';
import { buildStatus } from '../src/status/status-model.js';
import { renderStatus } from '../src/status/render-status.js';
import { launcher, removeDir, tempWorkDir, writeTestConfig } from './support/cli.js';
import { realPython, waitFor } from './support/faults.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

function workDir(): string {
  const dir = tempWorkDir('chunkrun-status-');
  dirs.push(dir);
  return dir;
}

const RUN: RunFile = {
  version: 1,
  createdAt: '2026-11-26T10:00:00.000Z',
  phase: '1',
  start: 0,
  end: 99,
  checkpointFrequency: 20,
  command: ['python3', 'phase.py', '--start', '{start}', '--end', '{end}'],
  outputs: ['dataset_*'],
};
const HOST = 'this-host';
const NOW = Date.parse('2026-11-26T12:00:00.000Z');
const WIDTH = nameWidthFor(RUN.end);

function newRun(run: RunFile = RUN): string {
  const outputDir = path.join(workDir(), 'out');
  mkdirSync(outputDir, { recursive: true });
  writeRunFile(outputDir, run);
  return outputDir;
}

/** The process table the claims of HOST live in. */
const TABLE = { bootId: 'boot-1', pidNamespace: 'pid:[4026531836]' };

function here(alivePids: number[]): Liveness {
  return { here: { host: HOST, ...TABLE, pid: 1 }, isAlive: (pid) => alivePids.includes(pid) };
}

const statusOf = (outputDir: string, alivePids: number[]) => buildStatus(readStatusFacts(outputDir, RUN), here(alivePids), NOW);

function chunkDir(outputDir: string, device: string, range: ChunkRange): string {
  const dir = chunkDirFor(outputDir, device, range, WIDTH);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function commit(outputDir: string, device: string, range: ChunkRange, finishedAt = '2026-11-26T11:00:00.000Z'): string {
  const dir = chunkDir(outputDir, device, range);
  writeFileSync(path.join(dir, 'dataset_a.jsonl'), '{"index":0}\n');
  const startedAt = '2026-11-26T10:59:00.000Z';
  writeMarker(dir, {
    version: 1,
    name: chunkName(range, WIDTH),
    ...range,
    device,
    host: HOST,
    attempt: 1,
    startedAt,
    finishedAt,
    durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
    files: [{ path: 'dataset_a.jsonl', bytes: 12, rows: 1 }],
  });
  // When a chunk was committed is its marker's own age, as for a claim: finishedAt stands for when the file was written.
  const writtenAt = new Date(Date.now() - (NOW - Date.parse(finishedAt)));
  utimesSync(markerPathIn(dir), writtenAt, writtenAt);
  return dir;
}

function claim(outputDir: string, device: string, range: ChunkRange, fields: Partial<Claim> = {}): void {
  const name = chunkName(range, WIDTH);
  const value: Claim = {
    version: 1,
    token: `token-${name}`,
    name,
    host: HOST,
    ...TABLE,
    pid: 4242,
    device,
    acquiredAt: NOW - 30_000,
    renewedAt: NOW - 5_000,
    leaseMs: 60_000,
    ...fields,
  };
  mkdirSync(path.dirname(claimPathFor(outputDir, name)), { recursive: true });
  writeJsonAtomic(claimPathFor(outputDir, name), value);
  // A lease's age is the claim file's own age: renewedAt only stands for when the file last changed.
  const changedAt = new Date(Date.now() - (NOW - value.renewedAt));
  utimesSync(claimPathFor(outputDir, name), changedAt, changedAt);
}

function fail(outputDir: string, device: string, range: ChunkRange, attempts: number): string {
  const dir = chunkDir(outputDir, device, range);
  for (let attempt = 1; attempt <= attempts; attempt++)
    writeFileSync(path.join(dir, attemptLogName(attempt)), `attempt ${attempt}\nTraceback: boom ${attempt}\n`);
  const log = path.join(dir, attemptLogName(attempts));
  writeJsonAtomic(path.join(dir, FAILED_FILE), {
    name: chunkName(range, WIDTH),
    ...range,
    device,
    attempts,
    reason: 'exit code 3',
    log,
    failedAt: '2026-11-26T11:30:00.000Z',
  });
  return log;
}

/** A run of 5 chunks: 0-19, 20-39 committed; 40-59 running; 60-79 failed; 80-99 held by a dead runner. */
function mixedRun(): string {
  const outputDir = newRun();
  commit(outputDir, 'gpu0', { start: 0, end: 19 });
  commit(outputDir, 'gpu1', { start: 20, end: 39 });
  const running = chunkDir(outputDir, 'gpu0', { start: 40, end: 59 });
  writeFileSync(path.join(running, attemptLogName(1)), 'first\n');
  writeFileSync(path.join(running, attemptLogName(2)), 'second\n');
  writeFileSync(path.join(running, PROGRESS_FILE), '{"done": 3, "total": 20}\n{"done": 7, "total": 20}\n{"done": 9, "to');
  claim(outputDir, 'gpu0', { start: 40, end: 59 }, { phasePid: 777 });
  fail(outputDir, 'gpu1', { start: 60, end: 79 }, 3);
  claim(outputDir, 'gpu1', { start: 80, end: 99 }, { pid: 999 });
  return outputDir;
}

describe('status model from disk facts', () => {
  it('sorts every chunk of the plan into committed, running, failed and pending', () => {
    const outputDir = mixedRun();
    const report = statusOf(outputDir, [4242]);

    expect(report.state).toBe('running');
    expect(report.totals).toEqual({ chunks: 5, committed: 2, running: 1, failed: 1, pending: 1, items: 100, itemsCommitted: 40 });
    expect(report.devices).toEqual([
      expect.objectContaining({ name: 'gpu0', host: expect.any(String), committed: 1, itemsCommitted: 20, running: 1, failed: 0 }),
      expect.objectContaining({ name: 'gpu1', host: expect.any(String), committed: 1, itemsCommitted: 20, running: 0, failed: 1 }),
    ]);
    expect(report.running).toEqual([
      expect.objectContaining({
        name: 'chunk_00040-00059',
        device: 'gpu0',
        host: HOST,
        pid: 4242,
        phasePid: 777,
        attempt: 2,
        claimedAgoMs: 30_000,
        leaseAgeMs: expect.closeTo(5_000, -3),
        leaseMs: 60_000,
        progress: { done: 7, total: 20 },
      }),
    ]);
    expect(report.failed).toEqual([
      expect.objectContaining({
        name: 'chunk_00060-00079',
        start: 60,
        end: 79,
        device: 'gpu1',
        attempts: 3,
        reason: 'exit code 3',
        logTail: ['attempt 3', 'Traceback: boom 3'],
      }),
    ]);
    expect(report.failed[0]!.logs.map((log) => path.basename(log))).toEqual(['run.log', 'run.attempt2.log', 'run.attempt3.log']);
    expect(report.failed[0]!.log).toMatch(/run\.attempt3\.log$/);
    expect(report.pendingRanges).toBe('80-99');
    expect(report.staleClaims).toEqual([
      expect.objectContaining({ name: 'chunk_00080-00099', pid: 999, why: expect.stringContaining('gone') }),
    ]);
  });

  it('judges a claim of another host by its lease alone', () => {
    const outputDir = newRun();
    claim(outputDir, 'gpu0', { start: 0, end: 19 }, { host: 'other', bootId: undefined, renewedAt: NOW - 10_000 });
    claim(outputDir, 'gpu1', { start: 20, end: 39 }, { host: 'other', bootId: undefined, renewedAt: NOW - 120_000 });
    const report = statusOf(outputDir, []);
    expect(report.running.map((chunk) => [chunk.name, chunk.host, chunk.progress])).toEqual([['chunk_00000-00019', 'other', null]]);
    expect(report.staleClaims.map((stale) => stale.name)).toEqual(['chunk_00020-00039']);
    expect(report.totals.pending).toBe(4);
  });

  it('counts only chunks of the plan: a range committed under another checkpoint frequency is neither committed nor in the rate', () => {
    const outputDir = newRun();
    commit(outputDir, 'gpu0', { start: 0, end: 19 }, '2026-11-26T11:58:00.000Z');
    commit(outputDir, 'gpu1', { start: 20, end: 29 }, '2026-11-26T11:59:00.000Z');
    const report = statusOf(outputDir, []);
    expect(report.totals).toMatchObject({ committed: 1, itemsCommitted: 20, pending: 4 });
    expect(report.devices.map((device) => [device.name, device.committed])).toEqual([
      ['gpu0', 1],
      ['gpu1', 0],
    ]);
    // gpu0's 20 items since its chunk started (committed 2 minutes before NOW, after 59 minutes of work): gpu1's 10 are not counted.
    expect(report.itemsPerSecond).toBeCloseTo(20 / (120 + 59 * 60), 4);
  });

  it('counts a chunk committed in two device folders once, and lists the extra copy', () => {
    const outputDir = newRun();
    commit(outputDir, 'gpu0', { start: 0, end: 19 }, '2026-11-26T11:00:00.000Z');
    commit(outputDir, 'gpu1', { start: 0, end: 19 }, '2026-11-26T11:05:00.000Z');
    const report = statusOf(outputDir, []);
    expect(report.totals.committed).toBe(1);
    expect(report.duplicates).toEqual([expect.objectContaining({ name: 'chunk_00000-00019', device: 'gpu1' })]);
  });

  it('a committed chunk is committed even while its claim is still being released, and a failed one retried elsewhere is running', () => {
    const outputDir = newRun();
    commit(outputDir, 'gpu0', { start: 0, end: 19 });
    claim(outputDir, 'gpu0', { start: 0, end: 19 });
    fail(outputDir, 'gpu1', { start: 20, end: 39 }, 1);
    claim(outputDir, 'gpu0', { start: 20, end: 39 });
    const report = statusOf(outputDir, [4242]);
    expect(report.totals).toMatchObject({ committed: 1, running: 1, failed: 0, pending: 3 });
  });

  it('lists merged files with their sizes, and says complete when every chunk is committed', () => {
    const outputDir = newRun();
    for (let start = 0; start < 100; start += 20) commit(outputDir, 'gpu0', { start, end: start + 19 });
    writeFileSync(path.join(outputDir, mergedFileName('gpu0', new Date(NOW))), Buffer.alloc(3000));
    writeFileSync(path.join(outputDir, 'notes.parquet'), 'not a merged file');
    const report = statusOf(outputDir, []);
    expect(report.state).toBe('complete');
    expect(report.merged).toEqual([
      expect.objectContaining({ target: 'gpu0', bytes: 3000, file: path.join(outputDir, 'dataset_gpu0_20261126T120000Z.parquet') }),
    ]);
    const text = renderStatus(report, 'launcher --phase 1').join('\n');
    expect(text).toContain('complete');
    expect(text).toContain('dataset_gpu0_20261126T120000Z.parquet  2.9 KiB');
    expect(text).not.toContain('to finish');
  });

  it('renders a readable report naming logs, holders and the command that finishes the run', () => {
    const outputDir = mixedRun();
    const report = statusOf(outputDir, []);
    const text = renderStatus(report, 'launcher --phase 1 --start 0 --end 99 --checkpoint-frequency 20').join('\n');
    expect(report.state).toBe('incomplete');
    expect(text).toContain('chunks: 2 committed, 0 running, 1 failed, 2 pending; 40/100 items committed (40.0%)');
    expect(text).toContain('60-79 on gpu1 after 3 attempt(s): exit code 3');
    expect(text).toContain('| Traceback: boom 3');
    expect(text).toContain('pending: 40-59, 80-99');
    expect(text).toContain('stale claims');
    expect(text).toContain('to finish: launcher --phase 1 --start 0 --end 99 --checkpoint-frequency 20');
  });
});

describe('launcher status (CLI)', () => {
  it('exits 2 with one line for an unknown phase or an output dir without run.json', async () => {
    const cwd = workDir();
    writeTestConfig(cwd);
    const unknown = await launcher(['status', '--phase', '9'], { cwd });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/unknown phase "9".*known phases: 1, 1-worker, 3\.5, 3\.5-worker/),
    ]);
    const noRun = await launcher(['status', '--phase', '1'], { cwd });
    expect(noRun.exitCode).toBe(2);
    expect(noRun.stderr.trim().split('\n')).toEqual([expect.stringMatching(/no .*run\.json: no run of phase 1 has started/)]);
    const otherPhase = newRun({ ...RUN, phase: '3.5' });
    const wrongPhase = await launcher(['status', '--phase', '1', '--output-dir', otherPhase], { cwd });
    expect(wrongPhase.exitCode).toBe(2);
    expect(wrongPhase.stderr).toMatch(/records phase 3\.5, not --phase 1/);
  });

  it('reports a live run from another terminal, then the finished run with its failed chunk', async () => {
    const cwd = workDir();
    writeTestConfig(cwd, { python: realPython(), retryBackoff: '100ms' });
    const run = launcher(
      ['--phase', '1', '--start', '0', '--end', '59', '--checkpoint-frequency', '20', '--devices', 'cpu:2', '--retries', '1'],
      {
        cwd,
        env: { CHUNKRUN_EXAMPLE_DELAY: '0.05', CHUNKRUN_EXAMPLE_FAIL_INDEX: '45' },
      },
    );
    let live: { totals: { running: number }; running: { progress: unknown; pid: number }[] } | undefined;
    await waitFor(async () => {
      const status = await launcher(['status', '--phase', '1', '--json'], { cwd });
      if (status.exitCode !== 0) return false;
      live = JSON.parse(status.stdout);
      return live!.totals.running > 0 && live!.running.some((chunk) => chunk.progress !== null);
    }, 20_000);
    expect(live!.running[0]!.pid).toBeGreaterThan(0);

    const finished = await run;
    expect(finished.exitCode).toBe(1);
    const status = await launcher(['status', '--phase', '1'], { cwd });
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain('chunks: 2 committed, 0 running, 1 failed, 0 pending');
    // --retries 1: two attempts in all, the retry on the other device.
    expect(status.stdout).toMatch(/40-59 on cpu\d after 2 attempt\(s\): exit code 3/);
    expect(status.stdout).toContain('run.attempt2.log');
    expect(status.stdout).toContain('| phase1: simulated failure at index 45');
    const json = JSON.parse((await launcher(['status', '--phase', '1', '--json'], { cwd })).stdout);
    expect(json).toMatchObject({
      state: 'incomplete',
      totals: { committed: 2, failed: 1, pending: 0 },
      failed: [{ start: 40, end: 59, attempts: 2 }],
    });
    // The earlier attempts' logs moved along with the chunk to its second device.
    expect(json.failed[0].logs.map((log: string) => path.basename(log))).toEqual(['run.log', 'run.attempt2.log']);
  }, 60_000);
});

describe('percent done', () => {
  it('never rounds up to 100%', async () => {
    const { percentDone } = await import('../src/status/render-status.js');
    expect(percentDone(99_985, 100_000)).toBe('99.9%');
    expect(percentDone(100_000, 100_000)).toBe('100%');
    expect(percentDone(40, 60)).toBe('66.6%');
  });
});

describe('status across hosts', () => {
  it('groups host-qualified device folders by host, with items/s over recent commits and an ETA while running', () => {
    const outputDir = newRun();
    const recent = '2026-11-26T11:59:00.000Z';
    commit(outputDir, 'w0.gpu0', { start: 0, end: 19 }, recent);
    commit(outputDir, 'w0.gpu1', { start: 20, end: 39 }, recent);
    commit(outputDir, 'w1.gpu0', { start: 40, end: 59 }, recent);
    claim(outputDir, 'w1.gpu0', { start: 60, end: 79 }, { pid: 4242 });
    const report = statusOf(outputDir, [4242]);

    expect(report.devices.map((d) => [d.name, d.host])).toEqual([
      ['w0.gpu0', 'w0'],
      ['w0.gpu1', 'w0'],
      ['w1.gpu0', 'w1'],
    ]);
    expect(report.hosts.map((h) => [h.host, h.devices, h.committed, h.running])).toEqual([
      ['w0', ['w0.gpu0', 'w0.gpu1'], 2, 0],
      ['w1', ['w1.gpu0'], 1, 1],
    ]);
    // 60 items committed since the first of them started (10:59, an hour and a minute before now).
    const rate = 60 / 3660;
    // Commit ages are read off a real clock (the markers' mtimes): some time passes while the test runs.
    expect(report.itemsPerSecond).toBeCloseTo(rate, 4);
    expect(report.hosts[0]!.itemsPerSecond).toBeCloseTo(2 * (20 / 3660), 4);
    expect(report.etaMs).toBeCloseTo((40 / rate) * 1000, -4);
    const text = renderStatus(report, 'launcher ...').join('\n');
    expect(text).toMatch(/^host\s+devices\s+committed\s+running\s+failed\s+items\/s$/m);
    expect(text).toMatch(/^w1\s+1\s+1\s+1\s+0\s+0\.0$/m);
    expect(text).toMatch(/rate: 0\.0 items\/s over the last commits; ETA 40m4\ds/);
  });
});

describe('status reads only the markers it needs', () => {
  it('counts a chunk by its marker alone, and reads a device its first marker and its oldest recent one', () => {
    const outputDir = newRun();
    commit(outputDir, 'gpu0', { start: 0, end: 19 }, '2026-11-26T11:00:00.000Z');
    commit(outputDir, 'gpu0', { start: 20, end: 39 }, '2026-11-26T11:58:00.000Z');
    const damaged = commit(outputDir, 'gpu0', { start: 40, end: 59 }, '2026-11-26T11:59:00.000Z');
    // Damaged after its commit: status never needs its content, so it still counts, as the launcher counts it.
    writeFileSync(markerPathIn(damaged), 'not a marker');
    utimesSync(markerPathIn(damaged), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const report = statusOf(outputDir, []);
    expect(report.totals).toMatchObject({ committed: 3, itemsCommitted: 60, pending: 2 });
    expect(report.devices).toEqual([expect.objectContaining({ name: 'gpu0', host: HOST, committed: 3 })]);
    // 40 items committed in the window, since 20-39 started at 10:59 (its age, 2 minutes, plus its duration, 59 minutes).
    expect(report.itemsPerSecond).toBeCloseTo(40 / 3660, 4);
  });

  it('has no rate when nothing was committed in the window, and none from an empty _SUCCESS', () => {
    const outputDir = newRun();
    commit(outputDir, 'gpu0', { start: 0, end: 19 });
    const empty = chunkDir(outputDir, 'gpu1', { start: 20, end: 39 });
    writeFileSync(markerPathIn(empty), '');
    const report = statusOf(outputDir, []);
    expect(report.totals).toMatchObject({ committed: 1, pending: 4 });
    expect(report.itemsPerSecond).toBe(0);
    expect(report.devices.map((device) => [device.name, device.committed, device.host])).toEqual([
      ['gpu0', 1, HOST],
      ['gpu1', 0, null],
    ]);
  });
});
