/** Everything `status` needs, read off an output dir in one pass: the scan, and only the few markers status reads. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { listClaims } from '../core/claims.js';
import { attemptLogName, chunkDirFor, chunksRoot, PROGRESS_FILE } from '../core/layout.js';
import { filesystemNow } from '../core/lease-file.js';
import { hostOfDeviceFolder } from '../core/host-id.js';
import { lastLines } from '../core/log-tail.js';
import { chunkIndexOf, itemCount, nameWidthFor, parseChunkName } from '../core/plan.js';
import type { RunFile } from '../core/run-file.js';
import { scanDisk, soundMarkerOf, type CommittedEntry } from '../core/scan.js';
import { readLatestProgress } from '../chunk-runner/progress-tail.js';
import { mergedFilesIn } from '../merge/merged-file-names.js';
import { readFailedRecord } from '../core/failed-record.js';
import {
  RATE_WINDOW_MS,
  type ClaimFacts,
  type DeviceCommitFacts,
  type FailedDirFacts,
  type MergedFileFacts,
  type StatusFacts,
} from './status-model.js';

const FAILED_LOG_TAIL_LINES = 5;

/** The attempt logs present in a chunk dir, in attempt order (run.log, run.attempt2.log, ...). */
function attemptLogsIn(chunkDir: string): string[] {
  const logs: string[] = [];
  for (let attempt = 1; existsSync(path.join(chunkDir, attemptLogName(attempt))); attempt++) {
    logs.push(path.join(chunkDir, attemptLogName(attempt)));
  }
  return logs;
}

function mergedFiles(outputDir: string): MergedFileFacts[] {
  const found: MergedFileFacts[] = [];
  for (const { file, target } of mergedFilesIn(outputDir)) {
    try {
      const stat = statSync(file);
      found.push({ file, target, bytes: stat.size, modifiedAt: stat.mtime.toISOString() });
    } catch {
      // Replaced by a newer merge between the listing and the stat.
    }
  }
  return found;
}

/**
 * Per device folder: its host from its first chunk's marker (unless the folder name says it),
 * and its commits of the last RATE_WINDOW_MS, known from the markers' mtimes, with how long ago
 * the first of them started: its age plus its duration, from its marker. Ages are on the
 * filesystem's clock, so a host whose clock is off does not skew the rate.
 */
function commitFacts(outputDir: string, committedInPlan: readonly CommittedEntry[]): Map<string, DeviceCommitFacts> {
  const nowOnDisk = filesystemNow(chunksRoot(outputDir));
  const byDevice = new Map<string, { first: CommittedEntry; items: number; oldest: CommittedEntry | undefined }>();
  for (const entry of committedInPlan) {
    let device = byDevice.get(entry.device);
    if (!device) byDevice.set(entry.device, (device = { first: entry, items: 0, oldest: undefined }));
    else if (entry.range.start < device.first.range.start) device.first = entry;
    if (nowOnDisk - entry.committedAtMs > RATE_WINDOW_MS) continue;
    device.items += itemCount(entry.range);
    if (!device.oldest || entry.committedAtMs < device.oldest.committedAtMs) device.oldest = entry;
  }
  const facts = new Map<string, DeviceCommitFacts>();
  for (const [name, { first, items, oldest }] of byDevice) {
    const host = hostOfDeviceFolder(name) === undefined ? soundMarkerOf(first)?.host : undefined;
    const recent = oldest && {
      items,
      sinceMs: Math.max(0, nowOnDisk - oldest.committedAtMs) + (soundMarkerOf(oldest)?.durationMs ?? 0),
    };
    facts.set(name, { host, recent });
  }
  return facts;
}

export function readStatusFacts(outputDir: string, run: RunFile): StatusFacts {
  const disk = scanDisk(outputDir);
  const width = nameWidthFor(run.end);

  const claims: ClaimFacts[] = [];
  for (const { claim, ageMs } of listClaims(outputDir)) {
    const range = parseChunkName(claim.name);
    const attemptDir = claim.attemptDir !== undefined ? path.join(outputDir, claim.attemptDir) : undefined;
    const chunkDir = attemptDir ?? (range ? chunkDirFor(outputDir, claim.device, range, width) : undefined);
    const attempts = chunkDir ? attemptLogsIn(chunkDir).length : 0;
    claims.push({
      claim,
      ageMs,
      progress: chunkDir ? readLatestProgress(path.join(chunkDir, PROGRESS_FILE)) : undefined,
      attempt: attempts > 0 ? attempts : undefined,
    });
  }

  const failedDirs: FailedDirFacts[] = [];
  for (const entry of disk.entries) {
    if (entry.committedAtMs !== undefined) continue;
    const record = readFailedRecord(entry.dir);
    if (!record) continue;
    const logs = attemptLogsIn(entry.dir);
    const lastLog = record.log ?? logs[logs.length - 1];
    failedDirs.push({ entry, record, logs, logTail: lastLog ? lastLines(lastLog, FAILED_LOG_TAIL_LINES) : [] });
  }

  const committedInPlan = [...disk.committed.values()].filter((entry) => chunkIndexOf(run, entry.range) !== undefined);
  return {
    outputDir,
    run,
    disk,
    committedInPlan,
    claims,
    failedDirs,
    merged: mergedFiles(outputDir),
    commits: commitFacts(outputDir, committedInPlan),
  };
}
