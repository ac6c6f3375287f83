/**
 * Tests against a real Slurm cluster or sshd (started by .ci/start-slurm.sh and .ci/start-sshd.sh).
 * Where one is absent they are skipped with the reason printed; under CI its absence fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { findExecutable } from '../../src/core/executable.js';

export function slurmUnavailable(): string | undefined {
  if (!findExecutable('sbatch')) return 'sbatch is not on PATH (install slurm-wlm and run .ci/start-slurm.sh)';
  try {
    const nodes = execFileSync('sinfo', ['-h', '-o', '%n %t'], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n');
    const idle = nodes.filter((line) => /\s(idle|mix|alloc)/.test(line));
    if (idle.length < 2) return `Slurm has ${idle.length} usable node(s), the tests need two (sinfo: ${nodes.join('; ')})`;
  } catch (error) {
    return `sinfo failed, slurmctld is not running (run .ci/start-slurm.sh): ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

/** The test sshd's client command (from .ci/start-sshd.sh), e.g. "ssh -p 2222 -i KEY -o ... 127.0.0.1". */
export function sshClient(): string | undefined {
  return process.env.CHUNKRUN_TEST_SSH;
}

export function sshUnavailable(): string | undefined {
  const client = sshClient();
  if (!client) return 'CHUNKRUN_TEST_SSH is not set (install openssh-server and source .ci/start-sshd.sh)';
  if (!findExecutable('ssh')) return 'ssh is not on PATH';
  const key = /-i\s+(\S+)/.exec(client)?.[1];
  if (key && !existsSync(key)) return `the key ${key} of CHUNKRUN_TEST_SSH is gone (rerun .ci/start-sshd.sh)`;
  return undefined;
}

export function describeWithReal(name: string, unavailable: string | undefined, body: () => void): void {
  if (!unavailable) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('has what it needs under CI', () => {
        throw new Error(`CI is set but ${unavailable}`);
      });
    });
    return;
  }
  process.stderr.write(`skipping "${name}": ${unavailable}\n`);
  describe.skip(name, body);
}
