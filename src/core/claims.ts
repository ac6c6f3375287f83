/**
 * Claims: files in <outputDir>/claims that say which runner is running a chunk. Created
 * exclusively so only one runner gets a chunk, renewed by their owner (a lease), and taken
 * over when their holder is gone. Works on a shared dir across hosts as on one host.
 */
import { mkdirSync, unlinkSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { claimPathFor, claimsDir } from './layout.js';
import { replaceJsonForReaders } from './atomic-file.js';
import { claimSchema, claimState, type Claim, type Liveness } from './claim-rules.js';
import { sharesProcessTable, thisProcess } from './holder.js';
import { createExclusive, readLeaseFile, withTakeoverLock } from './lease-file.js';
import { isAlive } from './process-info.js';
import { killGroupNow } from './process-group.js';

export interface ClaimOwner {
  readonly device: string;
  readonly leaseMs: number;
}

export type ClaimAttempt =
  | { readonly acquired: true; readonly claim: Claim; readonly tookOver: boolean }
  | { readonly acquired: false; readonly holder: Claim | undefined; readonly why: string };

/** A claim as a reader sees it: its content, and how long the file has not changed. */
export interface ObservedClaim {
  readonly claim: Claim;
  readonly ageMs: number;
}

export function localLiveness(): Liveness {
  return { here: thisProcess(), isAlive };
}

/** Claims are published whole (link) and replaced whole (rename): one that does not parse is foreign or damaged. */
function parseClaim(text: string): Claim | undefined {
  try {
    const parsed = claimSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

type ClaimFileState = { readonly exists: false } | { readonly exists: true; readonly claim: Claim | undefined; readonly ageMs: number };

function observeClaimFile(outputDir: string, name: string): ClaimFileState {
  const read = readLeaseFile(claimPathFor(outputDir, name));
  if (!read) return { exists: false };
  return { exists: true, claim: parseClaim(read.text), ageMs: read.ageMs };
}

export function readClaim(outputDir: string, name: string): Claim | undefined {
  const state = observeClaimFile(outputDir, name);
  return state.exists ? state.claim : undefined;
}

export function listClaims(outputDir: string): ObservedClaim[] {
  let names: string[];
  try {
    names = readdirSync(claimsDir(outputDir)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const observed: ObservedClaim[] = [];
  for (const name of names) {
    const state = observeClaimFile(outputDir, name.slice(0, -'.json'.length));
    if (state.exists && state.claim) observed.push({ claim: state.claim, ageMs: state.ageMs });
  }
  return observed;
}

function newClaim(name: string, owner: ClaimOwner): Claim {
  const now = Date.now();
  return {
    version: 1,
    token: randomBytes(8).toString('hex'),
    name,
    ...thisProcess(),
    device: owner.device,
    acquiredAt: now,
    renewedAt: now,
    leaseMs: owner.leaseMs,
  };
}

/** A claim file that does not parse (foreign, damaged) has no lease of its own: the default one decides. */
const UNREADABLE_CLAIM_LEASE_MS = 60_000;

function staleness(state: ClaimFileState & { exists: true }): { stale: boolean; why: string } {
  if (state.claim) return claimState(state.claim, state.ageMs, localLiveness());
  return state.ageMs > UNREADABLE_CLAIM_LEASE_MS
    ? { stale: true, why: `unreadable claim file unchanged for ${Math.round(state.ageMs / 1000)}s` }
    : { stale: false, why: `unreadable claim file, changed ${Math.round(state.ageMs / 1000)}s ago` };
}

/** Stop an orphaned phase of a dead holder in our process table before its chunk is run again. */
function stopOrphanedPhase(holder: Claim): void {
  if (!sharesProcessTable(holder, thisProcess()) || holder.phasePid === undefined) return;
  if (isAlive(holder.phasePid, holder.phasePidStart)) killGroupNow(holder.phasePid);
}

export function tryClaim(outputDir: string, name: string, owner: ClaimOwner): ClaimAttempt {
  mkdirSync(claimsDir(outputDir), { recursive: true });
  const file = claimPathFor(outputDir, name);
  const claim = newClaim(name, owner);
  if (createExclusive(file, JSON.stringify(claim))) return { acquired: true, claim, tookOver: false };

  const seen = observeClaimFile(outputDir, name);
  if (seen.exists) {
    const state = staleness(seen);
    if (!state.stale) return { acquired: false, holder: seen.claim, why: state.why };
  }
  const taken = withTakeoverLock(file, () => {
    // Judged again under the lock: another taker may have replaced the stale claim meanwhile.
    const current = observeClaimFile(outputDir, name);
    if (current.exists) {
      const sameAsSeen = seen.exists && current.claim?.token === seen.claim?.token;
      if (!sameAsSeen || !staleness(current).stale) return false;
      if (current.claim) stopOrphanedPhase(current.claim);
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return createExclusive(file, JSON.stringify(claim));
  });
  if (taken) return { acquired: true, claim, tookOver: seen.exists };
  return { acquired: false, holder: seen.exists ? seen.claim : undefined, why: 'another runner is taking it over' };
}

/** Still ours? A runner that lost its claim (its lease expired and another took it) must not write that chunk again. */
export function stillHolds(outputDir: string, claim: Claim): boolean {
  return readClaim(outputDir, claim.name)?.token === claim.token;
}

/** Renew the lease (and record the running attempt); undefined when the claim is no longer ours. */
export function renewClaim(
  outputDir: string,
  claim: Claim,
  update: Partial<Pick<Claim, 'phasePid' | 'phasePidStart' | 'attemptDir'>> = {},
): Claim | undefined {
  if (!stillHolds(outputDir, claim)) return undefined;
  const renewed: Claim = { ...claim, ...update, renewedAt: Date.now() };
  replaceJsonForReaders(claimPathFor(outputDir, claim.name), renewed);
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
 * After a runner in our process table died without cleaning up (SIGKILL, OOM): stop the
 * phases its claims name. Its claims stay; they are stale and the next runner takes them over.
 */
export function stopPhasesOfDeadRunner(outputDir: string, runnerPid: number): number {
  let stopped = 0;
  const here = thisProcess();
  for (const { claim } of listClaims(outputDir)) {
    if (!sharesProcessTable(claim, here) || claim.pid !== runnerPid || claim.phasePid === undefined) continue;
    if (isAlive(claim.phasePid, claim.phasePidStart)) {
      killGroupNow(claim.phasePid);
      stopped++;
    }
  }
  return stopped;
}
