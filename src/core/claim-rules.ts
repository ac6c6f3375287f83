/** Pure rules for claims: who holds a chunk, and when a holder counts as gone. */
import { z } from 'zod';

export const claimSchema = z.object({
  version: z.literal(1),
  token: z.string(),
  name: z.string(),
  host: z.string(),
  /** The runner process holding the claim, and its start time (pid reuse guard). */
  pid: z.number().int(),
  pidStart: z.string().optional(),
  device: z.string(),
  acquiredAt: z.number(),
  renewedAt: z.number(),
  leaseMs: z.number().positive(),
  /** The phase process group of the running attempt, so a takeover can stop an orphan. */
  phasePid: z.number().int().optional(),
  phasePidStart: z.string().optional(),
});

export type Claim = z.infer<typeof claimSchema>;

export type HolderState = { readonly stale: false; readonly why: string } | { readonly stale: true; readonly why: string };

export interface Liveness {
  readonly host: string;
  readonly now: number;
  readonly isAlive: (pid: number, start?: string) => boolean;
}

/**
 * On the holder's own host the process table is the truth: a dead holder is gone at once.
 * From another host only the lease can tell, so an unrenewed lease is gone when it expires.
 */
export function holderState(claim: Claim, here: Liveness): HolderState {
  const age = here.now - claim.renewedAt;
  if (claim.host === here.host) {
    return here.isAlive(claim.pid, claim.pidStart)
      ? { stale: false, why: `held by pid ${claim.pid} on this host (${claim.device})` }
      : { stale: true, why: `holder pid ${claim.pid} on this host is gone` };
  }
  return age > claim.leaseMs
    ? { stale: true, why: `lease of ${claim.host} pid ${claim.pid} expired ${Math.round((age - claim.leaseMs) / 1000)}s ago` }
    : { stale: false, why: `held by ${claim.host} pid ${claim.pid} (${claim.device}), lease renewed ${Math.round(age / 1000)}s ago` };
}
