/**
 * Worker mode ("worker": true) end to end: the real launcher, chunk-runner and example worker
 * phase (python/examples/phase1_worker.py), real sockets, real signals, files read back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readMarker } from '../src/core/marker.js';
import { scanDisk } from '../src/core/scan.js';
import { launcher, readRecord, removeDir, tempWorkDir } from './support/cli.js';
import {
  committedProblems,
  killAll,
  leftoverProcesses,
  processesMentioning,
  realPython,
  waitFor,
  writeFaultConfig,
} from './support/faults.js';
import { readSetups, writeWorkerConfig } from './support/worker-phase.js';
import { readRows } from './merge-helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    killAll(processesMentioning(dir));
    removeDir(dir);
  }
});

function workDir(): { cwd: string; outputDir: string; record: string; setups: string } {
  const cwd = tempWorkDir('chunkrun-worker-');
  dirs.push(cwd);
  return {
    cwd,
    outputDir: path.join(cwd, 'data', 'phase1_0'),
    record: path.join(cwd, 'record.jsonl'),
    setups: path.join(cwd, 'setups.jsonl'),
  };
}

const run = (devices: number, end: number, extra: string[] = []) => [
  '--phase',
  '1',
  '--start',
  '0',
  '--end',
  String(end),
  '--checkpoint-frequency',
  '10',
  '--devices',
  `cpu:${devices}`,
  ...extra,
];

/** Each committed chunk as a user sees its folder: file names (dataset names without their timestamp) and marker fields. */
function chunkLayout(outputDir: string): Record<string, { files: string[]; markerKeys: string[]; rows: (number | null)[] }> {
  const layout: Record<string, { files: string[]; markerKeys: string[]; rows: (number | null)[] }> = {};
  for (const entry of scanDisk(outputDir).committed.values()) {
    const marker = readMarker(entry.dir);
    layout[entry.name] = {
      files: readdirSync(entry.dir)
        .map((name) => name.replace(/^(dataset_sae_\d+-\d+)_.*(\.\w+)$/, '$1$2'))
        .sort(),
      markerKeys: Object.keys(marker).sort(),
      rows: marker.files.map((file) => file.rows),
    };
  }
  return layout;
}

async function mergedRows(outputDir: string): Promise<Record<string, unknown>[]> {
  const files = readdirSync(outputDir).filter((name) => /^dataset_cpu\d+_.*\.parquet$/.test(name));
  const rows = (await Promise.all(files.map((file) => readRows(path.join(outputDir, file))))).flat();
  return rows.sort((a, b) => Number(a.index) - Number(b.index));
}

describe('worker mode', () => {
  it('commits every index once with one setup per device, in the layout, markers and merge of process mode', async () => {
    const worker = workDir();
    const plain = workDir();
    writeWorkerConfig(worker.cwd);
    writeFaultConfig(plain.cwd);
    const env = (w: { record: string; setups: string }) => ({
      CHUNKRUN_EXAMPLE_DELAY: '0.005',
      CHUNKRUN_EXAMPLE_RECORD: w.record,
      CHUNKRUN_EXAMPLE_SETUP_RECORD: w.setups,
    });
    const [workerRun, plainRun] = await Promise.all([
      launcher(run(2, 99), { cwd: worker.cwd, env: env(worker) }),
      launcher(run(2, 99), { cwd: plain.cwd, env: env(plain) }),
    ]);
    expect(workerRun.exitCode, workerRun.all).toBe(0);
    expect(plainRun.exitCode, plainRun.all).toBe(0);

    expect(committedProblems(worker.outputDir)).toEqual([]);
    const setups = readSetups(worker.setups);
    expect(setups.map((s) => s.device).sort()).toEqual(['cpu0', 'cpu1']);
    const chunks = readRecord(worker.record);
    expect(chunks).toHaveLength(10);
    // Every chunk ran in one of the two set-up processes.
    expect(new Set(chunks.map((c) => c.pid))).toEqual(new Set(setups.map((s) => s.pid)));
    for (const device of ['cpu0', 'cpu1']) {
      expect(readFileSync(path.join(worker.outputDir, 'logs', `worker-${device}.log`), 'utf8')).toMatch(/loading model .* on cpu/);
    }
    // A chunk's own output goes to its run.log, not to the worker log.
    const anyChunk = [...scanDisk(worker.outputDir).committed.values()][0]!;
    expect(readFileSync(path.join(anyChunk.dir, 'run.log'), 'utf8')).toMatch(/phase1_worker: 10 rows for/);

    const workerLayout = chunkLayout(worker.outputDir);
    expect(Object.keys(workerLayout)).toHaveLength(10);
    expect(Object.values(workerLayout).map((c) => [c.files, c.markerKeys, c.rows])).toEqual(
      Object.keys(workerLayout).map((name) => [
        chunkLayout(plain.outputDir)[name]!.files,
        chunkLayout(plain.outputDir)[name]!.markerKeys,
        chunkLayout(plain.outputDir)[name]!.rows,
      ]),
    );
    const rows = await mergedRows(worker.outputDir);
    expect(rows).toHaveLength(100);
    expect(rows).toEqual(await mergedRows(plain.outputDir));

    const again = await launcher(run(2, 99), { cwd: worker.cwd, env: env(worker) });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
    expect(readSetups(worker.setups)).toHaveLength(2);
  }, 120_000);

  it('resumes: a chunk that failed for good runs again on the next run, and only it', async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd, { retries: 0 });
    const first = await launcher(run(1, 59, ['--no-merge']), {
      cwd: w.cwd,
      env: { CHUNKRUN_EXAMPLE_RECORD: w.record, CHUNKRUN_EXAMPLE_FAIL_INDEX: '35' },
    });
    expect(first.exitCode, first.all).toBe(1);
    expect(first.all).toMatch(/chunk_00030-00039 .*the phase reported an error: run_chunk exited with 3/);
    expect(committedProblems(w.outputDir, { complete: false })).toEqual([]);
    expect(scanDisk(w.outputDir).committed.size).toBe(5);

    const second = await launcher(run(1, 59, ['--no-merge']), { cwd: w.cwd, env: { CHUNKRUN_EXAMPLE_RECORD: w.record } });
    expect(second.exitCode, second.all).toBe(0);
    expect(
      readRecord(w.record)
        .slice(6)
        .map((c) => c.start),
    ).toEqual([30]);
    expect(committedProblems(w.outputDir)).toEqual([]);
  }, 60_000);

  it('workerMaxChunks recycles the worker: setup again after every N chunks', async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd, {}, { workerMaxChunks: 2 });
    const result = await launcher(run(1, 59, ['--no-merge']), {
      cwd: w.cwd,
      env: { CHUNKRUN_EXAMPLE_RECORD: w.record, CHUNKRUN_EXAMPLE_SETUP_RECORD: w.setups },
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(readSetups(w.setups)).toHaveLength(3);
    const pids = readRecord(w.record).map((c) => c.pid);
    expect(pids).toHaveLength(6);
    expect([pids[0] === pids[1], pids[1] === pids[2], pids[2] === pids[3], pids[4] === pids[5]]).toEqual([true, false, true, true]);
    expect(committedProblems(w.outputDir)).toEqual([]);
  }, 60_000);

  it.each([
    ['dies mid-chunk (kill -9)', { CHUNKRUN_EXAMPLE_CRASH_INDEX: '15' }, [], /attempt 1 failed: killed by SIGKILL/],
    [
      'hangs past --chunk-timeout',
      { CHUNKRUN_EXAMPLE_HANG_INDEX: '15' },
      ['--chunk-timeout', '2s'],
      /attempt 1 failed: timed out after 2(\.0)?s/,
    ],
    [
      'writes garbage on its protocol pipe',
      { CHUNKRUN_EXAMPLE_GARBAGE_INDEX: '15' },
      [],
      /attempt 1 failed: protocol error: the worker for cpu0 wrote a line on its protocol pipe that is not a protocol message: this is not a protocol message/,
    ],
  ])(
    'a worker that %s fails that attempt, is set up again, and the retry commits',
    async (_what, knob, flags, reason) => {
      const w = workDir();
      writeWorkerConfig(w.cwd);
      const result = await launcher(run(1, 29, ['--no-merge', ...flags]), {
        cwd: w.cwd,
        env: { CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS: '1', CHUNKRUN_EXAMPLE_SETUP_RECORD: w.setups, CHUNKRUN_EXAMPLE_DELAY: '0.01', ...knob },
      });
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).toMatch(reason);
      expect(readSetups(w.setups)).toHaveLength(2);
      expect(committedProblems(w.outputDir)).toEqual([]);
      expect(await leftoverProcesses(w.cwd, 3_000)).toEqual([]);
    },
    60_000,
  );

  it('a failing setup fails the device with the worker log tail, and nothing is committed', async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd, { retries: 0 });
    const result = await launcher(run(1, 19, ['--no-merge']), { cwd: w.cwd, env: { CHUNKRUN_EXAMPLE_SETUP_FAIL: '1' } });
    expect(result.exitCode, result.all).not.toBe(0);
    expect(result.all).toMatch(
      /the worker for cpu0 exited with code 1 before it was ready: its setup failed; last lines of .*worker-cpu0\.log/,
    );
    expect(result.all).toMatch(/RuntimeError: simulated setup failure/);
    expect(scanDisk(w.outputDir).committed.size).toBe(0);
    expect(await leftoverProcesses(w.cwd, 3_000)).toEqual([]);
  }, 60_000);

  it('a worker that never says ready is stopped after workerReadyTimeout, naming the timeout and its log', async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd, { retries: 0 }, { workerReadyTimeout: '1s' });
    const result = await launcher(run(1, 9, ['--no-merge']), { cwd: w.cwd, env: { CHUNKRUN_EXAMPLE_SETUP_HANG: '1' } });
    expect(result.exitCode, result.all).not.toBe(0);
    expect(result.all).toMatch(
      /the worker for cpu0 was not ready within 1(\.0)?s \(workerReadyTimeout\).*last lines of .*worker-cpu0\.log/,
    );
    expect(result.all).toMatch(/setup hanging \(CHUNKRUN_EXAMPLE_SETUP_HANG\)/);
    expect(await leftoverProcesses(w.cwd, 3_000)).toEqual([]);
  }, 60_000);

  it('a worker command that never calls serve fails the device, saying so', async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd, { retries: 0 }, { command: [realPython(), '-c', 'print("loaded, but no serve")'] });
    const result = await launcher(run(1, 9, ['--no-merge']), { cwd: w.cwd });
    expect(result.exitCode, result.all).not.toBe(0);
    expect(result.all).toMatch(
      /the worker for cpu0 exited with code 0 before it was ready: does its command call chunkrun\.worker\.serve\(setup, run_chunk\)\?; last lines of .*worker-cpu0\.log/,
    );
    expect(result.all).toMatch(/loaded, but no serve/);
  }, 60_000);

  it('--dry-run says the command runs as a worker per device, and starts nothing', async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd);
    const result = await launcher(run(2, 99, ['--dry-run']), { cwd: w.cwd, env: { CHUNKRUN_EXAMPLE_SETUP_RECORD: w.setups } });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/^command \(a worker per device, taking the chunks as messages\): .*phase1_worker\.py --model/m);
    expect(readSetups(w.setups)).toEqual([]);
  });

  it('{start} in a worker command is refused with one line', async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd, {}, { command: ['python3', 'x.py', '--start', '{start}'] });
    const result = await launcher(run(1, 9), { cwd: w.cwd });
    expect(result.exitCode, result.all).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /phases\.1\.command\.3: \{start\} cannot be in a worker's command: "worker": true starts it once per device/,
    );
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the launcher leaves no worker behind',
    async (signal) => {
      const w = workDir();
      writeWorkerConfig(w.cwd);
      const running = launcher(run(2, 199, ['--no-merge']), { cwd: w.cwd, env: { CHUNKRUN_EXAMPLE_DELAY: '0.05' } });
      await waitFor(
        () => processesMentioning(w.cwd).filter((p) => p.command.includes('phase1_worker.py')).length === 2,
        20_000,
        'two workers',
      );
      process.kill(running.pid!, signal);
      const result = await running;
      expect(result.exitCode, result.all).not.toBe(0);
      expect(await leftoverProcesses(w.cwd, 5_000)).toEqual([]);
      expect(committedProblems(w.outputDir, { complete: false })).toEqual([]);
      expect(existsSync(w.outputDir)).toBe(true);
    },
    60_000,
  );
});

describe('worker mode with --no-checkpoint', () => {
  it("gives each device's worker its whole slice as one chunk, written into the output dir", async () => {
    const w = workDir();
    writeWorkerConfig(w.cwd);
    const result = await launcher(run(2, 99, ['--no-checkpoint']), {
      cwd: w.cwd,
      env: { CHUNKRUN_EXAMPLE_RECORD: w.record, CHUNKRUN_EXAMPLE_SETUP_RECORD: w.setups },
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(
      readRecord(w.record)
        .map((c) => [c.start, c.end])
        .sort((a, b) => a[0]! - b[0]!),
    ).toEqual([
      [0, 49],
      [50, 99],
    ]);
    expect(readSetups(w.setups)).toHaveLength(2);
    const indexes = readdirSync(w.outputDir)
      .filter((name) => name.startsWith('dataset_sae_'))
      .flatMap((name) => readFileSync(path.join(w.outputDir, name), 'utf8').split('\n').filter(Boolean))
      .map((line) => (JSON.parse(line) as { index: number }).index)
      .sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await leftoverProcesses(w.cwd, 3_000)).toEqual([]);
  }, 60_000);
});
