/** Everything `status` needs, read off an output dir in one pass; no judgement here. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { listClaims } from '../core/claims.js';
import { attemptLogName, chunkDirFor, PROGRESS_FILE } from '../core/layout.js';
import { lastLines } from '../core/log-tail.js';
import { nameWidthFor, parseChunkName } from '../core/plan.js';
import type { RunFile } from '../core/run-file.js';
import { scanDisk } from '../core/scan.js';
import { readLatestProgress } from '../chunk-runner/progress-tail.js';
import { mergedFilesIn } from '../merge/merged-files.js';
import { readFailedRecord } from '../core/failed-record.js';
import type { ClaimFacts, FailedDirFacts, MergedFileFacts, StatusFacts } from './status-model.js';

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

export function readStatusFacts(outputDir: string, run: RunFile): StatusFacts {
  const disk = scanDisk(outputDir, run);
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
    if (entry.marker) continue;
    const record = readFailedRecord(entry.dir);
    if (!record) continue;
    const logs = attemptLogsIn(entry.dir);
    const lastLog = record.log ?? logs[logs.length - 1];
    failedDirs.push({ entry, record, logs, logTail: lastLog ? lastLines(lastLog, FAILED_LOG_TAIL_LINES) : [] });
  }

  return { outputDir, run, disk, claims, failedDirs, merged: mergedFiles(outputDir) };
}
