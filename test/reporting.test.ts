import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { launcher, launcherBin, removeDir, tempWorkDir, writeTestConfig } from './support/cli.js';

let work: string;
beforeEach(() => {
  work = tempWorkDir();
});
afterEach(() => removeDir(work));

const small = ['--phase', '1', '--start', '0', '--end', '29', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge'];

describe('failures', () => {
  it('a phase that exits 0 but leaves no expected output fails its chunks, naming ranges and logs', async () => {
    writeTestConfig(work, {}, { outputs: ['nothing_*.parquet'] });
    const result = await launcher([...small.map((arg) => (arg === 'cpu:2' ? 'cpu:1' : arg)), '--retries', '0'], { cwd: work });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(
      /FAILED 3 chunks the same way \(0-29\) on cpu0: exit code 0 but expected outputs missing: nothing_\*\.parquet \(no file matches\)/,
    );
    expect(result.stdout).toMatch(/log: .*chunks\/cpu0\/chunk_00000-00009\/run\.log \(and the same in the others\)/);
    expect(result.stdout).toMatch(/not committed: 0-29/);
  });

  it('retries a failed attempt with its own log and commits on the next attempt', async () => {
    writeTestConfig(work, { retryBackoff: '100ms' });
    const result = await launcher(small, { cwd: work, env: { CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS: '1' } });
    expect(result.exitCode, result.all).toBe(0);
    const { readdirSync } = await import('node:fs');
    const chunkDir = path.join(work, 'data', 'phase1_0', 'chunks');
    const logs = readdirSync(chunkDir).flatMap((device) =>
      readdirSync(path.join(chunkDir, device))
        .filter((n) => n.startsWith('chunk_'))
        .flatMap((chunk) => readdirSync(path.join(chunkDir, device, chunk)).filter((f) => f.endsWith('.log'))),
    );
    expect(logs.sort()).toEqual(['run.attempt2.log', 'run.attempt2.log', 'run.attempt2.log', 'run.log', 'run.log', 'run.log']);
  });
});

describe('output modes', () => {
  it('--json prints events and a summary as JSON lines on stdout, nothing else', async () => {
    const result = await launcher([...small, '--json'], { cwd: work });
    expect(result.exitCode, result.all).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('runner-started');
    expect(types.filter((t) => t === 'chunk-committed')).toHaveLength(3);
    expect(types.at(-1)).toBe('summary');
    expect(events.at(-1)).toMatchObject({ committed: 3, skipped: 0, failed: [], missing: [] });
  });

  it('--quiet prints only the summary', async () => {
    writeTestConfig(work);
    const result = await launcher([...small, '--quiet'], { cwd: work });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^phase 1: indexes 0-29/);
  });

  it('off a TTY (nohup, sbatch, CI), prints human lines with progress; the JSON log goes to the log file only', async () => {
    writeTestConfig(work, { retryBackoff: '100ms' });
    // One chunk fails its first attempt: a noteworthy line, then its retry commits.
    const env = { CHUNKRUN_EXAMPLE_FAIL_INDEX: '15', CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS: '1' };
    const result = await launcher(small, { cwd: work, env });
    expect(result.exitCode, result.all).toBe(0);
    const lines = result.all.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), `a JSON line off a TTY: ${line}`).toThrow();
    expect(result.stderr).toMatch(/^progress: \d+\/30 items, [\d.]+ items\/s; chunks: \d+ done this run/m);
    expect(result.stderr).toMatch(/^cpu\d chunk_00010-00019 attempt 1 failed: exit code 3/m);
    expect(result.stdout).toMatch(/^chunks: 3 done this run, 0 already committed \(skipped\), 0 failed/m);

    const logFile = /\(log (\S+launcher-\S+\.log)\)/.exec(result.stdout)![1]!;
    const logged = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(logged.some((l) => l.event === 'attempt-failed' && l.level === 40)).toBe(true);
  });

  it('on a TTY, shows a live view with per-device lines, items/s and ETA', async () => {
    const command = `${process.execPath} ${launcherBin} ${small.join(' ')}`;
    // script(1) gives the launcher a real pseudo-terminal.
    const result = await execa('script', ['-qfec', command, '/dev/null'], {
      cwd: work,
      env: { CHUNKRUN_EXAMPLE_DELAY: '0.05', COLUMNS: '160' },
      reject: false,
    });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/cpu0 .*items\/s/);
    expect(result.stdout).toMatch(/total .*\/30 items .*items\/s .*ETA/);
    expect(result.stdout).toMatch(/chunks: 3 done this run/);
  });
});
