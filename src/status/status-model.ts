/**
 * The status of a run, built from facts read off disk: which chunks of run.json's plan are
 * committed, running, failed or pending, per device. Pure: the process table is consulted
 * only through the Liveness passed in. Its result is the `status --json` document.
 */
import type { Claim, Liveness } from '../core/claim-rules.js';
import { claimState } from '../core/claim-rules.js';
import { chunkCount, chunkIndexOf, chunkName, itemCount, nameWidthFor, parseChunkName, type ChunkRange } from '../core/plan.js';
import { describeSpans, gridIndexesOf, spansExcept, spansLength } from '../core/chunk-spans.js';
import type { RunFile } from '../core/run-file.js';
import { rangeKey, type ChunkDirEntry, type CommittedEntry, type DiskState } from '../core/scan.js';
import type { FailedRecord } from '../core/failed-record.js';
import { hostOfDeviceFolder } from '../core/host-id.js';

export interface ItemProgressFact {
  readonly done: number;
  readonly total: number | undefined;
}

export interface ClaimFacts {
  readonly claim: Claim;
  /** How long the claim file has not changed, on the filesystem's clock. */
  readonly ageMs: number;
  /** The newest line of the chunk dir's progress file, when the phase reports progress. */
  readonly progress: ItemProgressFact | undefined;
  /** The attempt running now, from the attempt logs in the chunk dir. */
  readonly attempt: number | undefined;
}

export interface FailedDirFacts {
  readonly entry: ChunkDirEntry;
  readonly record: FailedRecord;
  /** The attempt logs present in the chunk dir, first attempt first. */
  readonly logs: readonly string[];
  readonly logTail: readonly string[];
}

export interface MergedFileFacts {
  readonly file: string;
  /** The device the file merges, or "all". */
  readonly target: string;
  readonly bytes: number;
  readonly modifiedAt: string;
}

/** Commits of the plan within RATE_WINDOW_MS: their items, and how long ago the first of them started. */
export interface RecentCommits {
  readonly items: number;
  readonly sinceMs: number;
}

/** What a device folder's commits say beyond their count, from at most two of its markers. */
export interface DeviceCommitFacts {
  /** The host id in one of its commit markers; undefined when the folder name says it or no marker is readable. */
  readonly host: string | undefined;
  readonly recent: RecentCommits | undefined;
}

export interface StatusFacts {
  readonly outputDir: string;
  readonly run: RunFile;
  readonly disk: DiskState;
  /** The committed chunks that are chunks of run.json's plan (another run's ranges left in the folder are not). */
  readonly committedInPlan: readonly CommittedEntry[];
  readonly claims: readonly ClaimFacts[];
  readonly failedDirs: readonly FailedDirFacts[];
  readonly merged: readonly MergedFileFacts[];
  /** Per device folder with commits of the plan. */
  readonly commits: ReadonlyMap<string, DeviceCommitFacts>;
}

export interface DeviceStatus {
  readonly name: string;
  /** The host id: from the folder name with several hosts, else from the device's commit markers; null when unknown. */
  readonly host: string | null;
  /** Items committed per second over the last minutes (see RATE_WINDOW_MS); 0 when nothing committed lately. */
  readonly itemsPerSecond: number;
  readonly committed: number;
  readonly itemsCommitted: number;
  readonly running: number;
  readonly failed: number;
}

export interface RunningChunk {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly device: string;
  readonly host: string;
  readonly pid: number;
  readonly phasePid: number | null;
  readonly attempt: number | null;
  readonly claimedAgoMs: number;
  readonly leaseAgeMs: number;
  readonly leaseMs: number;
  readonly progress: { readonly done: number; readonly total: number } | null;
}

export interface FailedChunk {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly device: string;
  readonly attempts: number | null;
  readonly reason: string | null;
  readonly failedAt: string | null;
  readonly log: string | null;
  readonly logs: readonly string[];
  readonly logTail: readonly string[];
}

export interface StaleClaim {
  readonly name: string;
  readonly device: string;
  readonly host: string;
  readonly pid: number;
  readonly why: string;
}

export type RunState = 'complete' | 'running' | 'incomplete';

export interface HostStatus {
  readonly host: string | null;
  readonly devices: readonly string[];
  readonly committed: number;
  readonly running: number;
  readonly failed: number;
  readonly itemsPerSecond: number;
}

/** The rate is measured over the chunks committed this recently, so an old session does not dilute it. */
export const RATE_WINDOW_MS = 10 * 60_000;

/** Items per second: the items committed in the window over the time since the first of them started. */
export function recentRate(recent: RecentCommits | undefined): number {
  if (!recent || recent.items === 0) return 0;
  return recent.items / Math.max(1, recent.sinceMs / 1000);
}

/** The recent commits of several devices together: since the first of all of them. */
function recentOfAll(devices: readonly (RecentCommits | undefined)[]): RecentCommits | undefined {
  let all: RecentCommits | undefined;
  for (const recent of devices) {
    if (!recent) continue;
    all = all ? { items: all.items + recent.items, sinceMs: Math.max(all.sinceMs, recent.sinceMs) } : recent;
  }
  return all;
}

function hostsOf(devices: readonly DeviceStatus[]): HostStatus[] {
  const hosts = new Map<string | null, HostStatus>();
  for (const device of devices) {
    const host = hosts.get(device.host) ?? { host: device.host, devices: [], committed: 0, running: 0, failed: 0, itemsPerSecond: 0 };
    hosts.set(device.host, {
      ...host,
      devices: [...host.devices, device.name],
      committed: host.committed + device.committed,
      running: host.running + device.running,
      failed: host.failed + device.failed,
      itemsPerSecond: host.itemsPerSecond + device.itemsPerSecond,
    });
  }
  return [...hosts.values()];
}

export interface StatusReport {
  readonly version: 1;
  readonly generatedAt: string;
  readonly outputDir: string;
  readonly run: Pick<RunFile, 'phase' | 'start' | 'end' | 'checkpointFrequency' | 'command' | 'createdAt'>;
  readonly state: RunState;
  readonly totals: {
    readonly chunks: number;
    readonly committed: number;
    readonly running: number;
    readonly failed: number;
    readonly pending: number;
    readonly items: number;
    readonly itemsCommitted: number;
  };
  readonly devices: readonly DeviceStatus[];
  /** The devices grouped by host, with their summed rate. */
  readonly hosts: readonly HostStatus[];
  readonly itemsPerSecond: number;
  /** Milliseconds left at the recent rate while the run is running; null otherwise. */
  readonly etaMs: number | null;
  readonly running: readonly RunningChunk[];
  readonly failed: readonly FailedChunk[];
  /** Pending chunks' index ranges, neighbours merged: "150-199, 300-488"; "" when none. */
  readonly pendingRanges: string;
  readonly staleClaims: readonly StaleClaim[];
  /** Extra committed copies of a range committed in another device folder: never counted. */
  readonly duplicates: readonly { readonly name: string; readonly device: string; readonly dir: string }[];
  readonly merged: readonly MergedFileFacts[];
}

function runningChunk(facts: ClaimFacts, range: ChunkRange, now: number): RunningChunk {
  const { claim, progress } = facts;
  return {
    name: claim.name,
    ...range,
    device: claim.device,
    host: claim.host,
    pid: claim.pid,
    phasePid: claim.phasePid ?? null,
    attempt: facts.attempt ?? null,
    claimedAgoMs: Math.max(0, now - claim.acquiredAt),
    leaseAgeMs: facts.ageMs,
    leaseMs: claim.leaseMs,
    progress: progress ? { done: progress.done, total: progress.total ?? itemCount(range) } : null,
  };
}

function failedChunk(facts: FailedDirFacts): FailedChunk {
  const { entry, record } = facts;
  return {
    name: entry.name,
    ...entry.range,
    device: entry.device,
    attempts: record.attempts ?? null,
    reason: record.reason ?? null,
    failedAt: record.failedAt ?? null,
    log: record.log ?? facts.logs[facts.logs.length - 1] ?? null,
    logs: facts.logs,
    logTail: facts.logTail,
  };
}

/** Per device folder: its committed chunks and items, and the running and failed chunks it holds. */
function deviceCounts(
  folders: readonly string[],
  committed: readonly ChunkDirEntry[],
  running: readonly RunningChunk[],
  failed: readonly FailedChunk[],
  commits: ReadonlyMap<string, DeviceCommitFacts>,
): DeviceStatus[] {
  const devices = new Map<string, { committed: number; itemsCommitted: number; running: number; failed: number }>();
  const device = (name: string) => {
    let found = devices.get(name);
    if (!found) devices.set(name, (found = { committed: 0, itemsCommitted: 0, running: 0, failed: 0 }));
    return found;
  };
  folders.forEach(device);
  for (const entry of committed) {
    const counts = device(entry.device);
    counts.committed++;
    counts.itemsCommitted += itemCount(entry.range);
  }
  for (const chunk of running) device(chunk.device).running++;
  for (const chunk of failed) device(chunk.device).failed++;
  const hostOf = (name: string): string | null =>
    hostOfDeviceFolder(name) ?? commits.get(name)?.host ?? running.find((chunk) => chunk.device === name)?.host ?? null;
  return [...devices]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([name, counts]) => ({
      name,
      host: hostOf(name),
      itemsPerSecond: recentRate(commits.get(name)?.recent),
      ...counts,
    }));
}

export function buildStatus(facts: StatusFacts, here: Liveness, now = Date.now()): StatusReport {
  const { run, disk } = facts;
  const width = nameWidthFor(run.end);
  const total = chunkCount(run);
  /** The range of the plan's chunk named `name`; undefined for any other name. */
  const plannedRange = (name: string): ChunkRange | undefined => {
    const range = parseChunkName(name);
    return range && chunkName(range, width) === name && chunkIndexOf(run, range) !== undefined ? range : undefined;
  };

  const running = new Map<string, RunningChunk>();
  const staleClaims: StaleClaim[] = [];
  for (const claimFacts of facts.claims) {
    const { claim } = claimFacts;
    const range = plannedRange(claim.name);
    if (!range || disk.committed.has(rangeKey(range))) continue;
    const state = claimState(claim, claimFacts.ageMs, here);
    if (state.stale) staleClaims.push({ name: claim.name, device: claim.device, host: claim.host, pid: claim.pid, why: state.why });
    else running.set(claim.name, runningChunk(claimFacts, range, now));
  }

  const failed = new Map<string, FailedChunk>();
  for (const dir of facts.failedDirs) {
    const { name, range } = dir.entry;
    if (!plannedRange(name) || disk.committed.has(rangeKey(range)) || running.has(name)) continue;
    const chunk = failedChunk(dir);
    const earlier = failed.get(name);
    if (!earlier || (chunk.failedAt ?? '') > (earlier.failedAt ?? '')) failed.set(name, chunk);
  }

  const { committedInPlan } = facts;
  const notPending = gridIndexesOf(run, [
    ...committedInPlan.map((entry) => entry.range),
    ...[...running.values(), ...failed.values()].map((chunk) => ({ start: chunk.start, end: chunk.end })),
  ]);
  const pending = spansExcept(total, notPending);

  const byStart = (a: { start: number }, b: { start: number }) => a.start - b.start;
  const totalItems = itemCount(run);
  const itemsCommitted = committedInPlan.reduce((sum, entry) => sum + itemCount(entry.range), 0);
  const state: RunState = committedInPlan.length === total ? 'complete' : running.size > 0 ? 'running' : 'incomplete';
  const devices = deviceCounts(disk.devices, committedInPlan, [...running.values()], [...failed.values()], facts.commits);
  const itemsPerSecond = recentRate(recentOfAll([...facts.commits.values()].map((device) => device.recent)));
  return {
    version: 1,
    generatedAt: new Date(now).toISOString(),
    outputDir: facts.outputDir,
    run: {
      phase: run.phase,
      start: run.start,
      end: run.end,
      checkpointFrequency: run.checkpointFrequency,
      command: run.command,
      createdAt: run.createdAt,
    },
    state,
    totals: {
      chunks: total,
      committed: committedInPlan.length,
      running: running.size,
      failed: failed.size,
      pending: spansLength(pending),
      items: totalItems,
      itemsCommitted,
    },
    devices,
    hosts: hostsOf(devices),
    itemsPerSecond,
    etaMs: state === 'running' && itemsPerSecond > 0 ? ((totalItems - itemsCommitted) / itemsPerSecond) * 1000 : null,
    running: [...running.values()].sort(byStart),
    failed: [...failed.values()].sort(byStart),
    pendingRanges: describeSpans(run, pending),
    staleClaims: staleClaims.sort((a, b) => a.name.localeCompare(b.name)),
    duplicates: disk.duplicates.map((entry) => ({ name: entry.name, device: entry.device, dir: entry.dir })),
    merged: facts.merged,
  };
}
