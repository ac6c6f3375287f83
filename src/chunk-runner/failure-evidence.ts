/**
 * What failed attempts say, and about whom. A device is taken out only on evidence about the
 * device: chunks that failed on it and then committed on another device. A run whose every
 * device fails its first attempts the same way, before anything commits, is stopped: that is
 * the script, not the data (a typo, a missing module), and retrying only repeats it.
 */
export interface DeviceVerdict {
  readonly device: string;
  readonly reason: string;
}

export interface FailFastVerdict {
  readonly failure: string;
  readonly attempts: number;
}

export class FailureEvidence {
  /** Per device: chunks that failed on it since its last commit. */
  private readonly failedSinceCommit = new Map<string, Set<string>>();
  /** Per device: of those, the ones another device then committed. */
  private readonly provenElsewhere = new Map<string, Set<string>>();
  private anyCommitted = false;
  private readonly failuresByDevice = new Map<string, number>();
  private readonly signatures = new Set<string>();
  private readonly failedChunks = new Set<string>();
  private failedAttempts = 0;
  private failedRetries = 0;

  constructor(private readonly threshold: number) {}

  attemptFailed(device: string, chunk: string, attempt: number, signature: string): void {
    if (attempt > 1) this.failedRetries++;
    this.setOf(this.failedSinceCommit, device).add(chunk);
    this.failuresByDevice.set(device, (this.failuresByDevice.get(device) ?? 0) + 1);
    this.signatures.add(signature);
    this.failedChunks.add(chunk);
    this.failedAttempts++;
  }

  /** A commit on `device`: clears its own record, and counts against each other device the chunk failed on. */
  committed(device: string, chunk: string, activeDevices: readonly string[]): DeviceVerdict[] {
    this.anyCommitted = true;
    this.failedSinceCommit.delete(device);
    this.provenElsewhere.delete(device);
    const verdicts: DeviceVerdict[] = [];
    for (const [other, failed] of this.failedSinceCommit) {
      if (!failed.has(chunk) || !activeDevices.includes(other)) continue;
      const proven = this.setOf(this.provenElsewhere, other);
      proven.add(chunk);
      if (proven.size >= this.threshold && activeDevices.length > 1) {
        verdicts.push({
          device: other,
          reason: `${proven.size} chunks failed on ${other} and then succeeded on other devices (${[...proven].sort().join(', ')}); its chunks go to the other devices`,
        });
        this.failedSinceCommit.delete(other);
        this.provenElsewhere.delete(other);
      }
    }
    return verdicts;
  }

  /**
   * Stop the run? Only before any commit, once every active device failed, on at least two
   * chunks (one bad chunk fails the same way every time, and is no reason to stop the others),
   * a retry failed too (a hiccup that every first attempt met passes), and every failure
   * looked the same.
   */
  failFast(activeDevices: readonly string[]): FailFastVerdict | undefined {
    if (this.anyCommitted || this.signatures.size !== 1 || this.failedChunks.size < 2 || this.failedRetries === 0) return undefined;
    if (!activeDevices.every((device) => (this.failuresByDevice.get(device) ?? 0) > 0)) return undefined;
    return { failure: [...this.signatures][0]!, attempts: this.failedAttempts };
  }

  private setOf(map: Map<string, Set<string>>, key: string): Set<string> {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    return set;
  }
}

/**
 * How a failure looks, for telling "the same failure everywhere" apart from per-item ones:
 * the reason and the log's last line, with the chunk's own folder names taken out.
 */
export function failureSignature(reason: string, logTail: readonly string[]): string {
  const last = [...logTail].reverse().find((line) => line.trim() !== '') ?? '';
  const withoutDirs = (text: string) => text.replace(/chunk_\d+-\d+(\.[0-9a-f]+\.a\d+)?/g, 'chunk_*');
  return last ? `${withoutDirs(reason)}: ${withoutDirs(last.trim())}` : withoutDirs(reason);
}
