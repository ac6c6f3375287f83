/** What the device loops of one runner share: the queue, the stop signals, held claims, failure evidence, events. */
import type { Claim } from '../core/claim-rules.js';
import type { RunEvent } from '../core/events.js';
import type { Device } from '../core/devices.js';
import type { AttemptExecutor } from '../attempt/executor.js';
import { executorFor } from '../attempt/executor-for.js';
import { FailureEvidence } from './failure-evidence.js';
import type { RunnerSpec } from './spec.js';
import type { WorkQueue } from './work-queue.js';

/** A claim this runner holds: kept fresh by renewal; `lost` aborts when renewal finds it taken over. */
export interface HeldClaim {
  current(): Claim;
  update(claim: Claim): void;
  readonly lost: AbortController;
}

export class RunnerContext {
  stopping = false;
  /** Aborted to stop running attempts at once (second Ctrl+C, grace period over, parent gone). */
  readonly stopNow = new AbortController();
  /** Aborted when any stop begins, graceful or not. */
  private readonly stopBegun = new AbortController();
  /** The claims this runner holds now. */
  readonly heldClaims = new Map<string, HeldClaim>();
  /** A chunk's latest attempt dir in this runner, so its next attempt keeps the earlier logs. */
  readonly lastAttemptDir = new Map<string, string>();
  readonly removedDevices = new Set<string>();
  private readonly evidence: FailureEvidence;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly executors = new Map<string, AttemptExecutor>();

  constructor(
    readonly spec: RunnerSpec,
    readonly queue: WorkQueue,
    readonly emit: (event: RunEvent) => void,
  ) {
    this.evidence = new FailureEvidence(spec.maxConsecutiveDeviceFailures);
  }

  stop(how: 'graceful' | 'now', why: string, details: { log?: string; logTail?: string[] } = {}): void {
    if (how === 'now') {
      if (this.stopNow.signal.aborted) return;
      this.stopping = true;
      clearTimeout(this.graceTimer);
      this.emit({ type: 'stopping', how, why, ...details });
      this.stopBegun.abort();
      this.stopNow.abort();
      return;
    }
    if (this.stopping) return;
    this.stopping = true;
    this.emit({ type: 'stopping', how, why, ...details });
    this.stopBegun.abort();
    this.graceTimer = setTimeout(() => this.stop('now', 'grace period over'), this.spec.stopGraceMs);
    this.graceTimer.unref();
  }

  /** The device's executor, made on first use and kept for the device's loop. */
  executorFor(device: Device): AttemptExecutor {
    let executor = this.executors.get(device.name);
    if (!executor) {
      executor = executorFor(this.spec, device);
      this.executors.set(device.name, executor);
    }
    return executor;
  }

  async dispose(): Promise<void> {
    clearTimeout(this.graceTimer);
    await Promise.all([...this.executors.values()].map((executor) => executor.close()));
  }

  holdClaim(claimed: Claim): HeldClaim {
    let current = claimed;
    const held: HeldClaim = { current: () => current, update: (claim) => (current = claim), lost: new AbortController() };
    this.heldClaims.set(claimed.name, held);
    return held;
  }

  releaseHeldClaim(name: string): void {
    this.heldClaims.delete(name);
  }

  chunkCommitted(device: string, chunk: string): void {
    for (const verdict of this.evidence.committed(device, chunk, this.activeDevices())) this.removeDevice(verdict.device, verdict.reason);
  }

  attemptFailed(device: string, chunk: string, attempt: number, signature: string, details: { log: string; logTail: string[] }): void {
    this.evidence.attemptFailed(device, chunk, attempt, signature);
    const verdict = this.evidence.failFast(this.activeDevices());
    if (!verdict) return;
    this.stop(
      'graceful',
      `every device failed the same way before any chunk committed (${verdict.attempts} attempts): ${verdict.failure}; fix it and rerun the same command`,
      details,
    );
  }

  removeDevice(device: string, reason: string): void {
    if (this.removedDevices.has(device)) return;
    this.removedDevices.add(device);
    this.emit({ type: 'device-removed', device, reason });
    if (this.activeDevices().length === 0) this.stop('graceful', `no device left to run on (${reason})`);
  }

  /** Devices of this runner still taking chunks. */
  activeDevices(): string[] {
    return this.spec.devices.map((device) => device.name).filter((name) => !this.removedDevices.has(name));
  }

  /** True when a stop has begun or begins within `ms`. */
  async stopBeginsWithin(ms: number): Promise<boolean> {
    return this.stopping || (await abortedWithin(this.stopBegun.signal, ms)) || this.stopping;
  }

  /** Sleep, waking early when told to stop; false when stopped. */
  async sleepUnlessStopped(ms: number): Promise<boolean> {
    if (this.stopping) return false;
    return !(await abortedWithin(this.stopNow.signal, ms)) && !this.stopping;
  }
}

/** Waits up to `ms` for `signal`: true as soon as it aborts, false when the time runs out first. */
function abortedWithin(signal: AbortSignal, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
