/** What the device loops of one runner share: the queue, the stop signals, device health, events. */
import type { Claim } from '../core/claim-rules.js';
import type { RunEvent } from '../core/events.js';
import type { Device } from '../core/devices.js';
import type { AttemptExecutor } from '../attempt/executor.js';
import { executorFor } from '../attempt/executor-for.js';
import type { RunnerSpec } from './spec.js';
import type { WorkQueue } from './work-queue.js';

export class RunnerContext {
  stopping = false;
  /** Aborted to stop running attempts at once (second Ctrl+C, grace period over, parent gone). */
  readonly stopNow = new AbortController();
  /** The claims this runner holds now, kept fresh by lease renewal. */
  readonly heldClaims = new Map<string, Claim>();
  readonly removedDevices = new Set<string>();
  private readonly consecutiveFailures = new Map<string, number>();
  private readonly succeededDevices = new Set<string>();
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly executors = new Map<string, AttemptExecutor>();

  constructor(
    readonly spec: RunnerSpec,
    readonly queue: WorkQueue,
    readonly emit: (event: RunEvent) => void,
  ) {}

  stop(how: 'graceful' | 'now', why: string): void {
    if (how === 'now') {
      if (this.stopNow.signal.aborted) return;
      this.stopping = true;
      clearTimeout(this.graceTimer);
      this.emit({ type: 'stopping', how, why });
      this.stopNow.abort();
      return;
    }
    if (this.stopping) return;
    this.stopping = true;
    this.emit({ type: 'stopping', how, why });
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

  deviceSucceeded(device: string): void {
    this.consecutiveFailures.set(device, 0);
    this.succeededDevices.add(device);
  }

  /**
   * Count a failed attempt; true when the device is taken out of the run: it failed N times
   * in a row while another device succeeded, so the fault is the device's, not the phase's.
   */
  deviceFailed(device: string): boolean {
    const failures = (this.consecutiveFailures.get(device) ?? 0) + 1;
    this.consecutiveFailures.set(device, failures);
    const othersWork = [...this.succeededDevices].some((other) => other !== device && !this.removedDevices.has(other));
    if (failures < this.spec.maxConsecutiveDeviceFailures || !othersWork) return false;
    this.removedDevices.add(device);
    this.emit({
      type: 'device-removed',
      device,
      reason: `${failures} attempts in a row failed on ${device} while other devices succeeded; its chunks go to the other devices`,
    });
    return true;
  }

  /** Devices of this runner still taking chunks. */
  activeDevices(): string[] {
    return this.spec.devices.map((device) => device.name).filter((name) => !this.removedDevices.has(name));
  }

  /** Sleep, waking early when told to stop; false when stopped. */
  sleepUnlessStopped(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.stopNow.signal.removeEventListener('abort', onAbort);
        resolve(!this.stopping);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      this.stopNow.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
