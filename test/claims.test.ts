import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { thisProcess } from '../src/core/holder.js';
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
  const here = { host: 'host-a', bootId: 'boot-1', pidNamespace: 'pid:[1]', pid: 1 };
  const ours = { host: 'host-a', bootId: 'boot-1', pidNamespace: 'pid:[1]' };

  it('in our process table, a live pid holds while its lease is fresh', () => {
    expect(holderState(claimOf(ours), 30_000, { here, isAlive: () => true }).stale).toBe(false);
  });

  it('in our process table, a dead pid is gone at once', () => {
    expect(holderState(claimOf(ours), 0, { here, isAlive: () => false })).toEqual({
      stale: true,
      why: 'holder pid 100 on this host is gone',
    });
  });

  it('a claim unchanged for its lease is stale whatever pid it names (paused holder, forged claim)', () => {
    const state = holderState(claimOf(ours), 60_001, { here, isAlive: () => true });
    expect(state.stale).toBe(true);
    expect(state.why).toMatch(/not renewed for 60s/);
  });

  it('another host, boot or pid namespace: the pid proves nothing, only the lease decides', () => {
    for (const other of [
      { ...ours, host: 'host-b' },
      { ...ours, bootId: 'boot-2' },
      { ...ours, pidNamespace: 'pid:[2]' },
      { host: 'host-a' },
    ]) {
      expect(holderState(claimOf(other), 30_000, { here, isAlive: () => false }).stale).toBe(false);
      expect(holderState(claimOf(other), 60_001, { here, isAlive: () => true }).stale).toBe(true);
    }
  });

  it("never reads the holder's own clock: a renewedAt far in the past or future does not matter", () => {
    const skewed = [claimOf({ renewedAt: -90_000 }), claimOf({ renewedAt: 1e15 })];
    for (const claim of skewed) expect(holderState(claim, 1_000, { here, isAlive: () => true }).stale).toBe(false);
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
    if (!second.acquired) expect(second.why).toMatch(/held by .* pid \d+ \(cpu0\), lease renewed 0s ago/);
    if (first.acquired) releaseClaim(dir, first.claim);
    expect(tryClaim(dir, 'c1', owner).acquired).toBe(true);
  });

  it('takes over a claim whose holder process is gone', async () => {
    const child = spawn('true');
    await new Promise((resolve) => child.on('exit', resolve));
    mkdirSync(claimsDir(dir), { recursive: true });
    writeFileSync(claimPathFor(dir, 'c2'), JSON.stringify(claimOf({ name: 'c2', ...thisProcess(), pid: child.pid!, pidStart: undefined })));
    const taken = tryClaim(dir, 'c2', owner);
    expect(taken.acquired).toBe(true);
    expect(readClaim(dir, 'c2')?.pid).toBe(process.pid);
  });

  it("judges another host's lease by the claim file's own age, not by the times written in it", () => {
    mkdirSync(claimsDir(dir), { recursive: true });
    // A host whose clock runs 90 s behind writes old-looking times into a claim it renews now.
    writeFileSync(
      claimPathFor(dir, 'fresh'),
      JSON.stringify(claimOf({ name: 'fresh', host: 'elsewhere', renewedAt: Date.now() - 90_000 })),
    );
    // One 90 s ahead writes a future time into a claim nobody has renewed for 61 s.
    writeFileSync(claimPathFor(dir, 'old'), JSON.stringify(claimOf({ name: 'old', host: 'elsewhere', renewedAt: Date.now() + 90_000 })));
    const longAgo = new Date(Date.now() - 61_000);
    utimesSync(claimPathFor(dir, 'old'), longAgo, longAgo);
    expect(tryClaim(dir, 'fresh', owner).acquired).toBe(false);
    const taken = tryClaim(dir, 'old', owner);
    expect(taken.acquired && taken.tookOver).toBe(true);
  });

  it('takes over a forged claim naming a live pid of this host once its lease has run out', () => {
    mkdirSync(claimsDir(dir), { recursive: true });
    const forged = claimOf({ name: 'forged', ...thisProcess(), pid: 1, pidStart: undefined, leaseMs: 60_000 });
    writeFileSync(claimPathFor(dir, 'forged'), JSON.stringify(forged));
    expect(tryClaim(dir, 'forged', owner).acquired).toBe(false);
    const longAgo = new Date(Date.now() - 61_000);
    utimesSync(claimPathFor(dir, 'forged'), longAgo, longAgo);
    expect(tryClaim(dir, 'forged', owner).acquired).toBe(true);
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
      JSON.stringify(claimOf({ name: 'c5', ...thisProcess(), pid: 999_999, pidStart: undefined, phasePid: orphan.pid })),
    );
    expect(stopPhasesOfDeadRunner(dir, 999_999)).toBe(1);
    expect(await waitFor(() => !isAlive(orphan.pid!) || orphan.exitCode !== null || orphan.signalCode !== null, 5_000)).toBe(true);
  });
});
