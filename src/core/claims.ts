/**
 * Claims: files in <outputDir>/claims that say which runner is running a chunk. Created
 * with O_EXCL so only one runner gets a chunk, renewed by their owner (a lease), and taken
 * over when their holder is gone. Works on a shared dir across hosts as on one host.
 */
import { mkdirSync, readFileSync, unlinkSync, statSync, readdirSync, linkSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { claimPathFor, claimsDir } from './layout.js';
import { writeTempFileFor, writeJsonAtomic } from './atomic-file.js';
import { claimSchema, holderState, type Claim, type Liveness } from './claim-rules.js';
import { isAlive, processStartTicks } from './process-info.js';
import { killGroupNow } from './process-group.js';

export interface ClaimOwner {
  readonly device: string;
  readonly leaseMs: number;
}

export type ClaimAttempt =
  | { readonly acquired: true; readonly claim: Claim }
  | { readonly acquired: false; readonly holder: Claim | undefined; readonly why: string };

export function localLiveness(now = Date.now()): Liveness {
  return { host: os.hostname(), now, isAlive };
}

export function readClaim(outputDir: string, name: string): Claim | undefined {
  let text: string;
  try {
    text = readFileSync(claimPathFor(outputDir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = claimSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Claims are published whole (link) and replaced whole (rename): one that does not parse was damaged.
    return undefined;
  }
}

export function listClaims(outputDir: string): Claim[] {
  let names: string[];
  try {
    names = readdirSync(claimsDir(outputDir)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.map((name) => readClaim(outputDir, name.slice(0, -'.json'.length))).filter((c): c is Claim => c !== undefined);
}

function newClaim(name: string, owner: ClaimOwner): Claim {
  const now = Date.now();
  return {
    version: 1,
    token: randomBytes(8).toString('hex'),
    name,
    host: os.hostname(),
    pid: process.pid,
    pidStart: processStartTicks(process.pid),
    device: owner.device,
    acquiredAt: now,
    renewedAt: now,
    leaseMs: owner.leaseMs,
  };
}

/**
 * Create `file` with `content` only if it does not exist, never showing a reader a part of
 * it: the content goes to a temp file first, then link() publishes it or fails with EEXIST
 * (atomic on local filesystems and NFS alike).
 */
function createExclusive(file: string, content: string): boolean {
  const temp = writeTempFileFor(file, content);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** A takeover lock left by a taker that died mid-takeover is itself stale after this long. */
const TAKEOVER_LOCK_STALE_MS = 30_000;

function withTakeoverLock<T>(outputDir: string, name: string, action: () => T): T | undefined {
  const lock = `${claimPathFor(outputDir, name)}.takeover`;
  if (!createExclusive(lock, String(process.pid))) {
    try {
      if (Date.now() - statSync(lock).mtimeMs > TAKEOVER_LOCK_STALE_MS) unlinkSync(lock);
    } catch {
      // Another taker removed it first; either way this attempt yields.
    }
    return undefined;
  }
  try {
    return action();
  } finally {
    unlinkSync(lock);
  }
}

/** Stop an orphaned phase of a dead holder on this host before its chunk is run again. */
function stopOrphanedPhase(holder: Claim): void {
  if (holder.host !== os.hostname() || holder.phasePid === undefined) return;
  if (isAlive(holder.phasePid, holder.phasePidStart)) killGroupNow(holder.phasePid);
}

export function tryClaim(outputDir: string, name: string, owner: ClaimOwner): ClaimAttempt {
  mkdirSync(claimsDir(outputDir), { recursive: true });
  const file = claimPathFor(outputDir, name);
  const claim = newClaim(name, owner);
  if (createExclusive(file, JSON.stringify(claim))) return { acquired: true, claim };

  const holder = readClaim(outputDir, name);
  if (holder) {
    const state = holderState(holder, localLiveness());
    if (!state.stale) return { acquired: false, holder, why: state.why };
  }
  const taken = withTakeoverLock(outputDir, name, () => {
    // Judged again under the lock: another taker may have replaced the stale claim meanwhile.
    const current = readClaim(outputDir, name);
    if (current && (current.token !== holder?.token || !holderState(current, localLiveness()).stale)) return false;
    if (current) stopOrphanedPhase(current);
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return createExclusive(file, JSON.stringify(claim));
  });
  if (taken) return { acquired: true, claim };
  return { acquired: false, holder, why: 'another runner is taking it over' };
}

/** Still ours? A runner that lost its claim (its lease expired and another took it) must not commit. */
export function stillHolds(outputDir: string, claim: Claim): boolean {
  return readClaim(outputDir, claim.name)?.token === claim.token;
}

/** Renew the lease (and record the running phase); false when the claim is no longer ours. */
export function renewClaim(
  outputDir: string,
  claim: Claim,
  update: Partial<Pick<Claim, 'phasePid' | 'phasePidStart'>> = {},
): Claim | undefined {
  if (!stillHolds(outputDir, claim)) return undefined;
  const renewed: Claim = { ...claim, ...update, renewedAt: Date.now() };
  writeJsonAtomic(claimPathFor(outputDir, claim.name), renewed);
  return renewed;
}

export function releaseClaim(outputDir: string, claim: Claim): void {
  if (!stillHolds(outputDir, claim)) return;
  try {
    unlinkSync(claimPathFor(outputDir, claim.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * After a runner on this host died without cleaning up (SIGKILL, OOM): stop the phases its
 * claims name. Its claims stay; they are stale and the next runner takes them over.
 */
export function stopPhasesOfDeadRunner(outputDir: string, runnerPid: number): number {
  let stopped = 0;
  for (const claim of listClaims(outputDir)) {
    if (claim.host !== os.hostname() || claim.pid !== runnerPid || claim.phasePid === undefined) continue;
    if (isAlive(claim.phasePid, claim.phasePidStart)) {
      killGroupNow(claim.phasePid);
      stopped++;
    }
  }
  return stopped;
}
