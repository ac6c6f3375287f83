/** {python} is resolved once per runner to the real interpreter; run.json keeps the user's value. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launcher, useWorkDir, writeTestConfig } from './support/cli.js';
import { committedIndexes, expectExactlyOnce } from './support/disk.js';
import { spawnCommandFor } from '../src/chunk-runner/interpreter.js';

const work = useWorkDir({ beforeEach, afterEach });
const realPython = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/** A shell script standing in for a pyenv shim: it counts its starts in `starts`, then runs `body`. */
function script(name: string, body: string): string {
  const file = path.join(work.dir, name);
  writeFileSync(file, `#!/bin/sh\necho "$$" >> "${path.join(work.dir, `${name}.starts`)}"\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const startsOf = (name: string) => {
  const file = path.join(work.dir, `${name}.starts`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
};

async function runFourChunks(python: string) {
  writeTestConfig(work.dir, { python });
  const result = await launcher(
    ['--phase', '1', '--start', '0', '--end', '19', '--checkpoint-frequency', '5', '--devices', 'cpu:1', '--no-merge', '--json'],
    { cwd: work.dir },
  );
  expect(result.exitCode, result.all).toBe(0);
  expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 19)).toBeUndefined();
  const events = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
  const run = JSON.parse(readFileSync(path.join(work.outputDir(), 'run.json'), 'utf8')) as { command: string[] };
  return { events, run };
}

describe('{python} resolved once per runner', () => {
  it('starts the shim once to ask, then every chunk starts the interpreter itself', async () => {
    const shim = script('python3', `exec "${realPython}" "$@"`);
    const { events, run } = await runFourChunks(shim);
    expect(startsOf('python3')).toBe(1);
    expect(events.find((event) => event.type === 'interpreter-resolved')).toMatchObject({ python: shim, executable: realPython });
    // The run's identity is the user's value: a rerun through the same shim resumes the same run.
    expect(run.command[0]).toBe(shim);
  });

  it('keeps the command as given when the interpreter started directly is not the same one', async () => {
    const impostor = script('impostor', `echo '["${path.join(work.dir, 'impostor')}", "/elsewhere", "1.0.0", "cpython"]'`);
    const shim = script(
      'python3',
      `if [ "$1" = "-c" ]; then echo '["${impostor}", "/usr", "3.99.0", "cpython"]'; exit 0; fi\nexec "${realPython}" "$@"`,
    );
    const { events, run } = await runFourChunks(shim);
    expect(startsOf('impostor')).toBe(1);
    expect(startsOf('python3')).toBe(1 + 4);
    expect(events.some((event) => event.type === 'interpreter-resolved')).toBe(false);
    const warning = events.find((event) => event.type === 'warning' && String(event.message).includes('started as given'));
    expect(warning?.message).toMatch(/reports another prefix \(\/elsewhere\) than through .*python3 \(\/usr\)/);
    expect(run.command[0]).toBe(shim);
  });
});

describe('the spawned command', () => {
  const resolved = { resolved: true, python: 'python3', executable: '/opt/py/bin/python3.11', version: '3.11.7' } as const;

  it('replaces only the arguments that were exactly {python} in the template', () => {
    const template = ['{python}', 'x.py', '--python', 'python3', '{python}-config'];
    const run = ['python3', 'x.py', '--python', 'python3', 'python3-config', '--extra', 'python3'];
    expect(spawnCommandFor(run, template, resolved)).toEqual([
      '/opt/py/bin/python3.11',
      'x.py',
      '--python',
      'python3',
      'python3-config',
      '--extra',
      'python3',
    ]);
  });

  it('is the run command when {python} was not resolved', () => {
    const run = ['python3', 'x.py'];
    expect(spawnCommandFor(run, ['{python}', 'x.py'], { resolved: false, python: 'python3', why: 'no' })).toEqual(run);
    expect(spawnCommandFor(run, ['{python}', 'x.py'], undefined)).toEqual(run);
  });
});
