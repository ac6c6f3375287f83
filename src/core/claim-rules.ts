/** Pure rules for claims: who holds a chunk, and when a holder counts as gone. */
import { z } from 'zod';
import { holderSchema, sharesProcessTable, type Holder } from './holder.js';

export const claimSchema = holderSchema.extend({
  version: z.literal(1),
  token: z.string(),
  name: z.string(),
  device: z.string(),
  /** The holder's own clock: shown to people, never compared with another host's clock. */
  acquiredAt: z.number(),
  renewedAt: z.number(),
  leaseMs: z.number().positive(),
  /** The phase process group of the running attempt, so a takeover can stop an orphan. */
  phasePid: z.number().int().optional(),
  phasePidStart: z.string().optional(),
  /** The running attempt's folder, relative to the output dir: where its progress is. */
  attemptDir: z.string().optional(),
});

export type Claim = z.infer<typeof claimSchema>;

export type HolderState = { readonly stale: boolean; readonly why: string };

export interface Liveness {
  /** This process, to tell whether a holder's pid can be checked here at all. */
  readonly here: Holder;
  readonly isAlive: (pid: number, start?: string) => boolean;
}

/** Any lease file's holder: a chunk claim, a merge lock. */
export type Lease = Holder & { readonly leaseMs: number };

/**
 * A lease is the truth: a lease file that has not changed for its lease is stale, whoever
 * it names (a paused runner, a forged claim, a host whose clock is off). Before that, a
 * holder is gone at once only when its pid is provably dead in our own process table.
 * `ageMs` is how long the file has not changed, on the filesystem's clock.
 */
export function holderState(lease: Lease, ageMs: number, liveness: Liveness, who = `${lease.host} pid ${lease.pid}`): HolderState {
  if (ageMs > lease.leaseMs) {
    return {
      stale: true,
      why: `lease of ${who} not renewed for ${Math.round(ageMs / 1000)}s (lease ${Math.round(lease.leaseMs / 1000)}s)`,
    };
  }
  if (sharesProcessTable(lease, liveness.here) && !liveness.isAlive(lease.pid, lease.pidStart)) {
    return { stale: true, why: `holder pid ${lease.pid} on this host is gone` };
  }
  return { stale: false, why: `held by ${who}, lease renewed ${Math.round(ageMs / 1000)}s ago` };
}

/** A claim's holder as people read it: host, pid and the device it runs the chunk on. */
export function claimState(claim: Claim, ageMs: number, liveness: Liveness): HolderState {
  return holderState(claim, ageMs, liveness, `${claim.host} pid ${claim.pid} (${claim.device})`);
}
