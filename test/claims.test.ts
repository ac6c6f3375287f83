import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { holderState, type Claim } from '../src/core/claim-rules.js';
import { readClaim, releaseClaim, renewClaim, stillHolds, tryClaim, stopPhasesOfDeadRunner } from '../src/core/claims.js';
import { claimPathFor, claimsDir } from '../src/core/layout.js';
import { isAlive } from '../src/core/process-info.js';
import { removeDir, tempWorkDir } from './support/cli.js';
import { waitFor } from './support/processes.js';

const claimOf = (overrides: Partial<Claim>): Claim => ({
  version: 1,
  token: 't',
  name: 'chunk_00000-00049',
  host: 'host-a',
  pid: 100,
  device: 'gpu0',
  acquiredAt: 0,
  renewedAt: 1_000,
  leaseMs: 60_000,
  ...overrides,
});

describe('who holds a claim (pure rules)', () => {
  it('on the holder host, a live pid holds whatever the lease says', () => {
    const here = { host: 'host-a', now: 10_000_000, isAlive: () => true };
    expect(holderState(claimOf({}), here).stale).toBe(false);
  });

  it('on the holder host, a dead pid is gone at once', () => {
    const here = { host: 'host-a', now: 2_000, isAlive: () => false };
    expect(holderState(claimOf({}), here)).toEqual({ stale: true, why: 'holder pid 100 on this host is gone' });
  });

  it('from another host, only an expired lease frees the chunk', () => {
    const fresh = { host: 'host-b', now: 30_000, isAlive: () => false };
    expect(holderState(claimOf({}), fresh).stale).toBe(false);
    const expired = { host: 'host-b', now: 1_000 + 60_001, isAlive: () => true };
    expect(holderState(claimOf({}), expired).stale).toBe(true);
  });
});

describe('claim files', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempWorkDir();
  });
  afterEach(() => removeDir(dir));
  const owner = { device: 'cpu0', leaseMs: 60_000 };

  it('gives a chunk to one claimant only, and back after release', () => {
    const first = tryClaim(dir, 'c1', owner);
    expect(first.acquired).toBe(true);
    const second = tryClaim(dir, 'c1', { device: 'cpu1', leaseMs: 60_000 });
    expect(second.acquired).toBe(false);
    if (!second.acquired) expect(second.why).toMatch(/held by pid \d+ on this host \(cpu0\)/);
    if (first.acquired) releaseClaim(dir, first.claim);
    expect(tryClaim(dir, 'c1', owner).acquired).toBe(true);
  });

  it('takes over a claim whose holder process is gone', async () => {
    const child = spawn('true');
    await new Promise((resolve) => child.on('exit', resolve));
    mkdirSync(claimsDir(dir), { recursive: true });
    writeFileSync(
      claimPathFor(dir, 'c2'),
      JSON.stringify(claimOf({ name: 'c2', host: os.hostname(), pid: child.pid!, renewedAt: Date.now() })),
    );
    const taken = tryClaim(dir, 'c2', owner);
    expect(taken.acquired).toBe(true);
    expect(readClaim(dir, 'c2')?.pid).toBe(process.pid);
  });

  it('takes over an expired lease of another host, and not a fresh one', () => {
    mkdirSync(claimsDir(dir), { recursive: true });
    writeFileSync(claimPathFor(dir, 'fresh'), JSON.stringify(claimOf({ name: 'fresh', host: 'elsewhere', renewedAt: Date.now() })));
    writeFileSync(claimPathFor(dir, 'old'), JSON.stringify(claimOf({ name: 'old', host: 'elsewhere', renewedAt: Date.now() - 61_000 })));
    expect(tryClaim(dir, 'fresh', owner).acquired).toBe(false);
    expect(tryClaim(dir, 'old', owner).acquired).toBe(true);
  });

  it('a holder that lost its claim can neither renew nor release it', () => {
    mkdirSync(claimsDir(dir), { recursive: true });
    const mine = tryClaim(dir, 'c3', owner);
    if (!mine.acquired) throw new Error('not acquired');
    writeFileSync(claimPathFor(dir, 'c3'), JSON.stringify({ ...mine.claim, token: 'someone-else' }));
    expect(stillHolds(dir, mine.claim)).toBe(false);
    expect(renewClaim(dir, mine.claim)).toBeUndefined();
    releaseClaim(dir, mine.claim);
    expect(readClaim(dir, 'c3')?.token).toBe('someone-else');
  });

  it('renewing moves the lease forward and records the phase process', () => {
    const mine = tryClaim(dir, 'c4', owner);
    if (!mine.acquired) throw new Error('not acquired');
    const renewed = renewClaim(dir, { ...mine.claim, renewedAt: 0 }, { phasePid: 42 });
    expect(renewed?.renewedAt).toBeGreaterThan(0);
    expect(readClaim(dir, 'c4')).toMatchObject({ phasePid: 42, token: mine.claim.token });
  });

  it('stops the phase group a dead runner left running', async () => {
    const orphan = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    mkdirSync(claimsDir(dir), { recursive: true });
    writeFileSync(
      claimPathFor(dir, 'c5'),
      JSON.stringify(claimOf({ name: 'c5', host: os.hostname(), pid: 999_999, phasePid: orphan.pid })),
    );
    expect(stopPhasesOfDeadRunner(dir, 999_999)).toBe(1);
    expect(await waitFor(() => !isAlive(orphan.pid!) || orphan.exitCode !== null || orphan.signalCode !== null, 5_000)).toBe(true);
  });
});
