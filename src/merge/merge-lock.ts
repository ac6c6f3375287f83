/**
 * One merge per target at a time: two merges of one device racing would each delete the
 * other's new file as "older". The lock is a lease file like a chunk claim: created
 * exclusively (never seen half-written, even on a full disk), renewed while the merge runs,
 * and stale once its holder is provably gone or it has not changed for its lease.
 */
import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { replaceJsonForReaders } from '../core/atomic-file.js';
import { holderSchema, thisProcess } from '../core/holder.js';
import { holderState } from '../core/claim-rules.js';
import { localLiveness } from '../core/claims.js';
import { createExclusive, readLeaseFile, withTakeoverLock } from '../core/lease-file.js';

const MERGE_LEASE_MS = 120_000;
const RENEW_EVERY_MS = 10_000;

const mergeLockSchema = holderSchema.extend({ leaseMs: z.number().positive(), target: z.string(), token: z.string() });
type MergeLock = z.infer<typeof mergeLockSchema>;

function parseLock(text: string): MergeLock | undefined {
  try {
    const parsed = mergeLockSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Why the lock's holder still counts, or undefined when the lock is stale. */
function liveHolder(text: string, ageMs: number): string | undefined {
  const lock = parseLock(text);
  if (!lock) return ageMs > MERGE_LEASE_MS ? undefined : `unreadable lock, changed ${Math.round(ageMs / 1000)}s ago`;
  if (holderState(lock, ageMs, localLiveness()).stale) return undefined;
  return `${lock.host} pid ${lock.pid}, renewed ${Math.round(ageMs / 1000)}s ago`;
}

/** Takes the target's merge lock; returns the function that releases it. */
export function lockMergeTarget(outputDir: string, target: string): () => void {
  const file = path.join(outputDir, `.merge-${target}.lock`);
  const lock: MergeLock = { ...thisProcess(), leaseMs: MERGE_LEASE_MS, target, token: randomBytes(8).toString('hex') };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createExclusive(file, JSON.stringify(lock))) return keepRenewed(file, lock);
    const current = readLeaseFile(file);
    if (!current) continue; // released meanwhile
    const holder = liveHolder(current.text, current.ageMs);
    if (holder) {
      throw new UsageError(
        `another merge of ${target} is running (${holder}; lock ${file}); wait for it: its lock expires ${Math.round(MERGE_LEASE_MS / 1000)}s after its holder stops renewing it`,
      );
    }
    // Removed under the takeover lock, and only if it is still the stale one just judged: another
    // merge that took it over meanwhile keeps its lock.
    withTakeoverLock(file, () => {
      const again = readLeaseFile(file);
      if (again?.text !== current.text) return;
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    });
  }
  throw new UsageError(`cannot take the merge lock ${file}: another merge took it just now; wait for it`);
}

function stillOurs(file: string, lock: MergeLock): boolean {
  const current = readLeaseFile(file);
  return current !== undefined && parseLock(current.text)?.token === lock.token;
}

function keepRenewed(file: string, lock: MergeLock): () => void {
  const renewer = setInterval(() => {
    try {
      if (stillOurs(file, lock)) replaceJsonForReaders(file, lock);
    } catch {
      // A missed renewal only lets the lease run down; the merge's own writes report a full disk.
    }
  }, RENEW_EVERY_MS);
  renewer.unref();
  return () => {
    clearInterval(renewer);
    if (!stillOurs(file, lock)) return;
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };
}
