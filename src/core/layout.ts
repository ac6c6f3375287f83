/** The one place that knows where things live under an output dir (SPEC §4). */
import path from 'node:path';
import { chunkName, type ChunkRange } from './plan.js';

export const MARKER_FILE = '_SUCCESS';
export const RUN_LOG = 'run.log';
export const PROGRESS_FILE = '.progress';

export function runFilePath(outputDir: string): string {
  return path.join(outputDir, 'run.json');
}

export function chunksRoot(outputDir: string): string {
  return path.join(outputDir, 'chunks');
}

export function deviceDirFor(outputDir: string, device: string): string {
  return path.join(chunksRoot(outputDir), device);
}

export function chunkDirFor(outputDir: string, device: string, range: ChunkRange, width: number): string {
  return path.join(deviceDirFor(outputDir, device), chunkName(range, width));
}

/** Attempts in progress, one folder each, beside the chunk dirs they may become. */
export const ATTEMPTS_DIR = '.attempts';

export function attemptsDirFor(outputDir: string, device: string): string {
  return path.join(deviceDirFor(outputDir, device), ATTEMPTS_DIR);
}

/** An attempt's own folder: named by its chunk, its claim's token and its number, so no two attempts share one. */
export function attemptDirFor(outputDir: string, device: string, name: string, token: string, attempt: number): string {
  return path.join(attemptsDirFor(outputDir, device), `${name}.${token}.a${attempt}`);
}

/** The phase's declaration that its chunk has no rows (written by the Python helper's mark_empty). */
export const EMPTY_FILE = '_EMPTY';

export function markerPathIn(chunkDir: string): string {
  return path.join(chunkDir, MARKER_FILE);
}

/** run.log for the first attempt, run.attempt2.log, run.attempt3.log... after it. */
export function attemptLogName(attempt: number): string {
  return attempt <= 1 ? RUN_LOG : `run.attempt${attempt}.log`;
}

export function completedFilePath(outputDir: string, device: string): string {
  return path.join(deviceDirFor(outputDir, device), 'completed.json');
}

export function claimsDir(outputDir: string): string {
  return path.join(outputDir, 'claims');
}

export function claimPathFor(outputDir: string, name: string): string {
  return path.join(claimsDir(outputDir), `${name}.json`);
}

export function logsDir(outputDir: string): string {
  return path.join(outputDir, 'logs');
}

/** A worker phase's setup output and whatever it prints between chunks, across its restarts. */
export function workerLogPath(outputDir: string, device: string): string {
  return path.join(logsDir(outputDir), `worker-${device}.log`);
}

/** Filesystem-safe timestamp used in file names: 20261126T221500Z. */
export function fileTimestamp(date: Date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function mergedFileName(device: string, date: Date = new Date()): string {
  return `dataset_${device}_${fileTimestamp(date)}.parquet`;
}

export const MERGED_FILE = /^dataset_(.+)_(\d{8}T\d{6}Z)\.parquet$/;

/** Written into a chunk dir whose last attempt failed for good: what `status` reports. */
export const FAILED_FILE = '_FAILED';
