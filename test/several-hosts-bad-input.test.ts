/** Several-hosts flags that cannot work: one line naming the problem and the fix, exit 2, nothing started. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { launcher, runnerBin, useWorkDir } from './support/cli.js';
import { writeFaultConfig } from './support/faults.js';

const work = useWorkDir({ beforeEach, afterEach });
const RANGE = ['--phase', '1', '--start', '0', '--end', '99'];

async function refused(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  writeFaultConfig(work.dir);
  const result = await launcher([...RANGE, ...args], { cwd: work.dir, env });
  expect(result.exitCode, result.all).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(existsSync(path.join(work.outputDir(), 'run.json')), 'run.json written').toBe(false);
  expect(existsSync(path.join(work.outputDir(), 'slurm')), 'slurm scripts written').toBe(false);
  return lines[0]!;
}

describe('several hosts: bad input', () => {
  it('--slurm without sbatch on PATH', async () => {
    const empty = path.join(work.dir, 'empty-bin');
    mkdirSync(empty);
    expect(await refused(['--slurm', '--nodes', '2'], { PATH: empty })).toMatch(/--slurm needs Slurm's sbatch on PATH/);
  });

  it('--nodes 0', async () => {
    expect(await refused(['--slurm', '--nodes', '0'])).toMatch(/--nodes 0 must be a whole number >= 1/);
  });

  it('--slurm with --hosts', async () => {
    expect(await refused(['--slurm', '--hosts', 'a,b'])).toMatch(/--slurm and --hosts both given; use one/);
  });

  it('--no-merge with --slurm (the merge is a job of its own)', async () => {
    expect(await refused(['--slurm', '--no-merge'])).toMatch(/--no-merge does not apply with --slurm: the merge is its own job/);
  });

  it('a Slurm option without --slurm', async () => {
    expect(await refused(['--nodes', '2'])).toMatch(/--nodes is a Slurm option; add --slurm/);
  });

  it('a host id with a slash, from the flag or from the environment', async () => {
    expect(await refused(['--host-id', 'rack1/node2', '--devices', 'cpu:1'])).toMatch(
      /host id "rack1\/node2" \(from --host-id\) contains a slash/,
    );
    expect(await refused(['--hosts', 'a,b/c'])).toMatch(/host id "b\/c" \(from --hosts\) contains a slash/);
    const runner = await execa(process.execPath, [runnerBin, '--output-dir', 'data/phase1_0'], {
      cwd: work.dir,
      env: { WORKER_ID: 'w/1' },
      reject: false,
    });
    expect(runner.exitCode).toBe(2);
    expect(runner.stderr.trim()).toMatch(/^chunk-runner: host id "w\/1" \(from WORKER_ID\) contains a slash/);
  });

  it('an unreachable --hosts host is named with the ssh error before anything starts', async () => {
    const line = await refused([
      '--hosts',
      'no-such-host.invalid',
      '--ssh-template',
      'ssh -o BatchMode=yes -o ConnectTimeout=5 {host} cd {cwd} && {runner}',
    ]);
    expect(line).toMatch(/^launcher: host no-such-host\.invalid is unreachable: ssh: .*no-such-host\.invalid/);
  });

  it('an output dir a host cannot see is refused, not run blind', async () => {
    // The template is the transport: this "host" looks from another working dir, as a host without the share would.
    const line = await refused(['--hosts', 'h0', '--ssh-template', "sh -c 'cd / && {runner}'"]);
    expect(line).toMatch(/^launcher: host h0 cannot see the output dir data\/phase1_0 .*shares/);
  });

  it('a runner started where the output dir is not visible says so', async () => {
    const runner = await execa(process.execPath, [runnerBin, '--output-dir', 'data/phase1_0', '--host-id', 'h3'], {
      cwd: work.dir,
      reject: false,
    });
    expect(runner.exitCode).toBe(2);
    expect(runner.stderr.trim()).toMatch(/^chunk-runner: no .*run\.json on host h3 .*every host shares/);
  });
});

describe('several hosts: dry run', () => {
  it("--hosts --dry-run prints each host's runner command and starts nothing", async () => {
    writeFaultConfig(work.dir);
    const result = await launcher([...RANGE, '--hosts', 'a,b', '--dry-run'], { cwd: work.dir });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(
      /^ {2}host a: ssh -o BatchMode=yes a cd \S+ && \S+ \S+chunk-runner\/main\.js --output-dir data\/phase1_0 --host-id a --host-index 0 /m,
    );
    expect(result.stdout).toMatch(/^ {2}host b: .* --host-id b --host-index 1 /m);
    expect(existsSync(path.join(work.outputDir(), 'run.json'))).toBe(false);
  });
});
