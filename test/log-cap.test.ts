/** A phase's log is capped: rotated while the phase writes to it, trimmed once it is done. */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capFinishedLogFile, capLogFile, rotatedLogFile } from '../src/attempt/log-cap.js';
import { launcher, removeDir, repoRoot, tempWorkDir } from './support/cli.js';
import { committedProblems, realPython, wrapperCommand, writeFaultConfig } from './support/faults.js';

let dir: string;
beforeEach(() => {
  dir = tempWorkDir('chunkrun-logcap-');
});
afterEach(() => removeDir(dir));

describe('capLogFile', () => {
  it('leaves a log under the cap alone', () => {
    const log = path.join(dir, 'run.log');
    writeFileSync(log, 'a'.repeat(100));
    expect(capLogFile(log, 100)).toBe(false);
    expect(readFileSync(log, 'utf8')).toBe('a'.repeat(100));
    expect(existsSync(rotatedLogFile(log))).toBe(false);
  });

  it('moves the newest bytes to <log>.1 and truncates the live file; an O_APPEND writer carries on at the new end', () => {
    const log = path.join(dir, 'run.log');
    const writer = openSync(log, 'a');
    try {
      writeSync(writer, `${'old\n'.repeat(50)}${'new\n'.repeat(25)}`);
      expect(capLogFile(log, 100)).toBe(true);
      const rotated = readFileSync(rotatedLogFile(log), 'utf8');
      expect(rotated).toBe(`[chunkrun: log over 100 bytes; 200 earlier bytes dropped]\n${'new\n'.repeat(25)}`);
      expect(statSync(log).size).toBe(0);
      writeSync(writer, 'after\n');
      expect(readFileSync(log, 'utf8')).toBe('after\n');
    } finally {
      closeSync(writer);
    }
  });

  it('when <log>.1 cannot be written, still truncates the live log and says there what was dropped', () => {
    const log = path.join(dir, 'run.log');
    mkdirSync(path.join(rotatedLogFile(log), 'in-the-way'), { recursive: true });
    writeFileSync(log, 'x'.repeat(300));
    expect(capLogFile(log, 100)).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(
      /^\[chunkrun: log over 100 bytes; could not keep its newest part in .*run\.log\.1 \(.+\), dropped it\]\n$/,
    );
    expect(readdirSync(dir).sort()).toEqual(['run.log', 'run.log.1']);
  });

  it('once the phase is done, keeps the newest bytes in the log itself (the summary shows its tail)', () => {
    const log = path.join(dir, 'run.log');
    writeFileSync(log, `${'x'.repeat(1000)}\nTraceback: the end\n`);
    expect(capFinishedLogFile(log, 19)).toBe(true);
    expect(readFileSync(log, 'utf8')).toBe('[chunkrun: log over 19 bytes; 1001 earlier bytes dropped]\nTraceback: the end\n');
  });
});

it('a phase printing megabytes leaves logs of at most about twice the cap, and its chunk commits', async () => {
  const cap = 0.25 * 1024 * 1024;
  // About 3 MB over 3 s, so the log is rotated while the phase writes and trimmed at its end.
  const snippet = "for i in 1 2 3; do head -c 1000000 /dev/zero | tr '\\0' 'x'; echo; sleep 1; done";
  writeFaultConfig(dir, { maxLogMB: 0.25 }, { command: wrapperCommand(dir, 'chatty', snippet) });
  const result = await launcher(['--phase', '1', '--start', '0', '--end', '9', '--devices', 'cpu:1', '--no-merge'], { cwd: dir });
  expect(result.exitCode, result.all).toBe(0);
  const outputDir = path.join(dir, 'data', 'phase1_0');
  expect(committedProblems(outputDir)).toEqual([]);

  const logs = (readdirSync(outputDir, { recursive: true }) as string[]).filter((name) => /(^|\/)run[^/]*\.log(\.1)?$/.test(name));
  const sizes = Object.fromEntries(logs.map((name) => [name, statSync(path.join(outputDir, name)).size]));
  expect(
    logs.some((name) => name.endsWith('.log.1')),
    JSON.stringify(sizes),
  ).toBe(true);
  for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThanOrEqual(cap + 100);
}, 60_000);

it('in worker mode, a chatty setup and a chatty chunk leave the worker log and the chunk log at most about twice the cap', async () => {
  const cap = 0.25 * 1024 * 1024;
  const script = path.join(dir, 'chatty_worker.py');
  // About 3 MB over 3 s in setup (the worker log) and again in the chunk (its run.log).
  writeFileSync(
    script,
    [
      'import sys, time',
      `sys.path.insert(0, ${JSON.stringify(path.join(repoRoot, 'python', 'examples'))})`,
      'import chunkrun',
      'from chunkrun.worker import serve',
      'from phase1 import phase1_row',
      'def chatter(letter):',
      '    for _ in range(3):',
      '        print(letter * 1000000, flush=True)',
      '        time.sleep(1)',
      'def setup(ctx):',
      "    chatter('s')",
      '    return {}',
      'def run_chunk(state, chunk):',
      "    chatter('x')",
      "    chunkrun.write_rows([phase1_row(i, 'm') for i in chunk.items()], chunk.dir, 'sae', start=chunk.start, end=chunk.end)",
      'serve(setup, run_chunk)',
      '',
    ].join('\n'),
  );
  writeFaultConfig(dir, { maxLogMB: 0.25 }, { command: [realPython(), script], worker: true });
  const result = await launcher(['--phase', '1', '--start', '0', '--end', '9', '--devices', 'cpu:1', '--no-merge'], { cwd: dir });
  expect(result.exitCode, result.all).toBe(0);
  const outputDir = path.join(dir, 'data', 'phase1_0');
  expect(committedProblems(outputDir)).toEqual([]);
  const logs = (readdirSync(outputDir, { recursive: true }) as string[]).filter((name) => /(run|worker-cpu0)\.log(\.1)?$/.test(name));
  const sizes = Object.fromEntries(logs.map((name) => [name, statSync(path.join(outputDir, name)).size]));
  expect(Object.keys(sizes).sort(), JSON.stringify(sizes)).toEqual(
    expect.arrayContaining([expect.stringMatching(/run\.log\.1$/), expect.stringMatching(/worker-cpu0\.log\.1$/)]),
  );
  for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThanOrEqual(cap + 100);
}, 60_000);
