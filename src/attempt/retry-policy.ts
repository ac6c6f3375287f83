/** What follows a failed attempt. Pure. */

const MAX_BACKOFF_MS = 5 * 60_000;

export function backoffMs(base: number, attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1));
}

export type NextStep = { readonly kind: 'retry'; readonly inMs: number } | { readonly kind: 'give-up' };

/**
 * A chunk gets 1 + `retries` attempts in all. A retry goes back to the queue, which offers
 * it to a device that has not failed it yet: a broken device and a broken chunk look alike
 * on one device, and unlike on two.
 */
export function nextStepAfterFailure(attempt: number, retries: number, baseBackoffMs: number, stopping: boolean): NextStep {
  if (stopping || attempt > retries) return { kind: 'give-up' };
  return { kind: 'retry', inMs: backoffMs(baseBackoffMs, attempt) };
}
