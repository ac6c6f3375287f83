import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import {
  launcher,
  launcherBin,
  mergeBin,
  readRecord,
  removeDir,
  repoRoot,
  runnerBin,
  tempWorkDir,
  writeTestConfig,
} from './support/cli.js';
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
    refused(
      ['--phase', '7', '--start', '0', '--end', '5', '--devices', 'cpu:1'],
      /unknown phase "7" .*known phases: 1, 1-worker, 3\.5, 3\.5-worker/,
    ));
  it('unknown device kind', () =>
    refused(['--phase', '1', '--start', '0', '--end', '5', '--devices', 'npu:0'], /unknown device kind "npu"/));
  it('a device list past the limit, refused before it is built', () =>
    refused(
      ['--phase', '1', '--start', '0', '--end', '5', '--devices', 'cuda:0-100000000'],
      /^launcher: --devices cuda:0-100000000 names 100,000,001 devices; a runner drives at most 1,024/,
    ));
  it('a CPU slot count past the limit', () =>
    refused(['--phase', '1', '--start', '0', '--end', '5', '--devices', 'cpu:5000'], /cpu:5000 names 5,000 devices; .*at most 1,024/));
  it('a plan of more chunks than a run holds, naming the frequency that fits', () =>
    refused(
      [...base, '--start', '0', '--end', '1000000000000', '--checkpoint-frequency', '1'],
      /make 1,000,000,000,001 chunks; a run holds at most 10,000,000: raise --checkpoint-frequency to 100001 or more/,
    ));
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

  it('an unknown flag is named, before any missing required option', () =>
    refused(['--phase', '1', '--bogus'], /^launcher: unknown option '--bogus' \(see launcher --help\)$/));

  it('a misspelled flag is named with the nearest real one', () =>
    refused(
      [...base, '--start', '0', '--end', '5', '--chekpoint-frequency', '5'],
      /unknown option '--chekpoint-frequency'; did you mean --checkpoint-frequency\?/,
    ));

  it('a script of the command that does not exist, before anything starts', async () => {
    const dir = path.join(work, 'noscript');
    mkdirSync(dir, { recursive: true });
    writeTestConfig(dir, {}, { command: ['{python}', 'run.py', '--start', '{start}', '--end', '{end}'] });
    await refused(
      [...base, '--start', '0', '--end', '5', '--output-dir', path.join(work, 'data', 'phase1_0')],
      /^launcher: phase 1: script run\.py not found \(looked for .*noscript\/run\.py\); run from the directory that holds it/,
      {},
      dir,
    );
  });

  it('without a config here, a phase the built-in example lacks is refused, saying the example is in use', () =>
    refused(
      ['--phase', 'train', '--start', '0', '--end', '5', '--devices', 'cpu:1'],
      /unknown phase "train" in the built-in example config \(no launcher\.config\.json or \.yaml in this directory and no --config\); known phases: 1, 1-worker, 3\.5, 3\.5-worker/,
    ));

  it('invalid config: a misspelled required key is named with the nearest known key', async () => {
    const dir = path.join(work, 'typokey');
    mkdirSync(dir, { recursive: true });
    const file = writeTestConfig(dir);
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config.phases['1'].ouputs = config.phases['1'].outputs;
    delete config.phases['1'].outputs;
    writeFileSync(file, JSON.stringify(config));
    await refused([...base, '--start', '0', '--end', '5'], /phases\.1: unknown key "ouputs"; did you mean "outputs"\?$/, {}, dir);
  });

  it('invalid config: a JSON syntax error names its line and column', async () => {
    const broken = path.join(work, 'broken.json');
    writeFileSync(broken, '{\n  "phases": {\n    "1": {"command": ["x"] "outputDir": "o"}\n  }\n}\n');
    await refused([...base, '--start', '0', '--end', '5', '--config', broken], /broken\.json is not valid JSON: .*\(line 3, column 28\)$/);
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

describe('the built-in example config', () => {
  it('is used from a directory without a config, with a warning', async () => {
    const result = await launcher([...base, '--start', '0', '--end', '5', '--dry-run', '--output-dir', 'fresh'], { cwd: work });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toMatch(
      /^launcher: warning: no launcher\.config\.json or \.yaml in this directory and no --config, so the built-in example config is in use \(.*default\.json\)$/m,
    );
  });

  it('is warned about with --slurm too (a warning about the run, not about this host)', async () => {
    // Stand-ins for Slurm's tools: a dry run checks they are there and never calls them.
    const tools = path.join(work, 'fake-slurm');
    mkdirSync(tools, { recursive: true });
    for (const tool of ['sbatch', 'squeue', 'scontrol']) {
      writeFileSync(path.join(tools, tool), '#!/bin/sh\nexit 1\n');
      chmodSync(path.join(tools, tool), 0o755);
    }
    const result = await launcher([...base, '--start', '0', '--end', '5', '--slurm', '--dry-run', '--output-dir', 'fresh-slurm'], {
      cwd: work,
      env: { PATH: `${tools}:${process.env.PATH}` },
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toMatch(/^launcher: warning: .*the built-in example config is in use/m);
  });
});

describe('every command', () => {
  const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
  it.each([[launcherBin], [runnerBin], [mergeBin]])('%s --version prints the version', async (bin) => {
    const result = await execa(process.execPath, [bin, '--version'], { cwd: work, reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(version);
  });

  it('launcher status without --phase: one line, exit 2', async () => {
    const result = await launcher(['status'], { cwd: work });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("launcher status: required option '--phase <name>' not specified (see launcher status --help)");
    expect(result.stdout).toBe('');
  });
});
