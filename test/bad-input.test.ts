import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launcher, readRecord, removeDir, tempWorkDir, writeTestConfig } from './support/cli.js';
import { committedIndexes, expectExactlyOnce } from './support/disk.js';

let work: string;
let record: string;
beforeAll(async () => {
  work = tempWorkDir();
  record = path.join(work, 'record.jsonl');
  // Something committed already, which no bad input may damage.
  const first = await launcher(
    ['--phase', '1', '--start', '0', '--end', '19', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge'],
    {
      cwd: work,
      env: { CHUNKRUN_EXAMPLE_RECORD: record },
    },
  );
  expect(first.exitCode, first.all).toBe(0);
});
afterAll(() => removeDir(work));

async function refused(args: string[], message: RegExp, env: Record<string, string | undefined> = {}, cwd = work) {
  const before = readRecord(record).length;
  const result = await launcher(args, { cwd, env: { CHUNKRUN_EXAMPLE_RECORD: record, ...env } });
  expect(result.exitCode, result.all).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(readRecord(record)).toHaveLength(before);
  expect(expectExactlyOnce(committedIndexes(path.join(work, 'data', 'phase1_0')), 0, 19)).toBeUndefined();
}

const base = ['--phase', '1', '--devices', 'cpu:1'];

describe('bad input is refused with one line, exit 2, nothing started, nothing lost', () => {
  it('--end before --start', () => refused([...base, '--start', '20', '--end', '10'], /^launcher: --end 10 is before --start 20/));
  it('negative bound', () => refused([...base, '--start', '-5', '--end', '10'], /--start -5 is negative/));
  it('non-integer bound', () => refused([...base, '--start', '0', '--end', '1.5'], /--end 1\.5 is not a whole number/));
  it('text bound', () => refused([...base, '--start', 'zero', '--end', '5'], /--start zero is not a whole number/));
  it('--checkpoint-frequency 0', () =>
    refused(
      [...base, '--start', '0', '--end', '5', '--checkpoint-frequency', '0'],
      /--checkpoint-frequency 0 must be a whole number >= 1/,
    ));
  it('unknown phase, listing the known ones', () =>
    refused(['--phase', '7', '--start', '0', '--end', '5', '--devices', 'cpu:1'], /unknown phase "7" .*known phases: 1, 1-worker, 3\.5, 3\.5-worker/));
  it('unknown device kind', () =>
    refused(['--phase', '1', '--start', '0', '--end', '5', '--devices', 'npu:0'], /unknown device kind "npu"/));
  it('missing option', () => refused(['--phase', '1', '--start', '0'], /required option '--end <n>' not specified/));
  it('stray argument', () =>
    refused([...base, '--start', '0', '--end', '5', 'extra'], /unexpected argument "extra"; arguments for the phase go after --/));

  it('--gpus naming a GPU that does not exist', async () => {
    const bin = path.join(work, 'fake-gpu-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\nprintf "0\\n1\\n"\n');
    chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
    await refused(
      ['--phase', '1', '--start', '0', '--end', '5', '--gpus', '0,4'],
      /--gpus 0,4: GPU 4 does not exist; GPUs found \(nvidia-smi\): 0, 1/,
      {
        PATH: `${bin}:${process.env.PATH}`,
      },
    );
  });

  it('missing python executable', async () => {
    const dir = path.join(work, 'nopython');
    mkdirSync(dir, { recursive: true });
    writeTestConfig(dir, { python: 'python9.99' });
    await refused(
      [...base, '--start', '0', '--end', '5', '--output-dir', path.join(work, 'data', 'phase1_0')],
      /executable "python9\.99" not found on PATH; set "python" in the config/,
      {},
      dir,
    );
  });

  it('invalid config: a wrong key named by its path', async () => {
    const dir = path.join(work, 'badkey');
    mkdirSync(dir, { recursive: true });
    const file = writeTestConfig(dir);
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config.phases['1'].outputz = ['x'];
    writeFileSync(file, JSON.stringify(config));
    await refused([...base, '--start', '0', '--end', '5'], /launcher\.config\.json: phases\.1: .*"outputz"/, {}, dir);
  });

  it('invalid config: a wrong type named by its path', async () => {
    const dir = path.join(work, 'badtype');
    mkdirSync(dir, { recursive: true });
    writeTestConfig(dir, { checkpointFrequency: 'fifty' });
    await refused([...base, '--start', '0', '--end', '5'], /checkpointFrequency: .*number/, {}, dir);
  });

  it('unreadable or unparsable config', async () => {
    await refused([...base, '--start', '0', '--end', '5', '--config', path.join(work, 'nope.json')], /cannot read config .*nope\.json/);
    const broken = path.join(work, 'broken.yaml');
    writeFileSync(broken, 'phases: [unclosed');
    await refused([...base, '--start', '0', '--end', '5', '--config', broken], /config .*broken\.yaml is not valid YAML/);
  });

  it('output dir not writable', async () => {
    const file = path.join(work, 'a-file');
    writeFileSync(file, 'x');
    await refused(
      [...base, '--start', '0', '--end', '5', '--output-dir', path.join(file, 'out')],
      /output dir .*a-file\/out is not writable .*choose another with --output-dir/,
    );
  });

  it('a rerun whose plan differs from run.json', () =>
    refused([...base, '--start', '0', '--end', '29', '--checkpoint-frequency', '10'], /records a different run \(end 19 -> 29\)/));
});

describe('config files', () => {
  it('accepts YAML with the same keys', async () => {
    const dir = path.join(work, 'yaml');
    mkdirSync(dir, { recursive: true });
    const json = JSON.parse(readFileSync(writeTestConfig(dir), 'utf8'));
    const { stringify } = await import('yaml');
    writeFileSync(path.join(dir, 'launcher.config.yaml'), stringify({ ...json, checkpointFrequency: 3 }));
    removeDir(path.join(dir, 'launcher.config.json'));
    const result = await launcher(['--phase', '1', '--start', '0', '--end', '8', '--devices', 'cpu:1', '--dry-run'], { cwd: dir });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/3 chunks of 3/);
  });
});
