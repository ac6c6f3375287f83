/**
 * A chunk's folders: attempt dirs while it runs, the chunk dir once published. Publishing
 * is one rename(2) of a whole attempt dir, so a chunk dir only ever holds one attempt's files.
 */
import { readdirSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir } from '../core/atomic-file.js';
import { ATTEMPTS_DIR, attemptsDirFor, chunksRoot, markerPathIn } from '../core/layout.js';
import { commitTimeIn } from '../core/marker.js';

function listOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

function deviceFolders(outputDir: string): string[] {
  return listOrEmpty(chunksRoot(outputDir)).filter((name) => !name.startsWith('.'));
}

/** Whether a chunk dir is committed: the scan's rule (see commitTimeIn). */
function isCommitted(chunkDir: string): boolean {
  return commitTimeIn(chunkDir) !== undefined;
}

/** The device folder that holds a commit of this chunk (another runner may have committed it since our scan). */
export function committedCopy(outputDir: string, name: string): { device: string } | undefined {
  const device = deviceFolders(outputDir).find((folder) => isCommitted(path.join(chunksRoot(outputDir), folder, name)));
  return device === undefined ? undefined : { device };
}

/**
 * Move a folder out of every reader's way in one rename, then delete it. A rename is atomic
 * against a concurrent rename of the same folder: of a late publisher and us, one wins.
 */
function setAside(dir: string, attemptsDir: string): boolean {
  const aside = path.join(attemptsDir, `.stale-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(attemptsDir, { recursive: true });
    renameSync(dir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  rmSync(aside, { recursive: true, force: true });
  return true;
}

/**
 * With the chunk's claim just taken: every attempt dir of this chunk but `keep` belongs to a
 * holder that lost its claim (crashed, paused past its lease). Set them aside before looking
 * for a committed copy, so a paused loser can no longer publish one after that look.
 */
export function setAsideStaleAttempts(outputDir: string, name: string, keep: string | undefined): number {
  let count = 0;
  for (const device of deviceFolders(outputDir)) {
    const attempts = path.join(chunksRoot(outputDir), device, ATTEMPTS_DIR);
    for (const entry of listOrEmpty(attempts)) {
      const dir = path.join(attempts, entry);
      if (entry.startsWith(`${name}.`) && dir !== keep && setAside(dir, attempts)) count++;
    }
  }
  return count;
}

const ATTEMPT_LOG = /^run(\.attempt\d+)?\.log(\.\d+)?$/;

/** A new attempt's folder, with the logs of the chunk's earlier attempts (if any) carried into it. */
export function makeAttemptDir(dir: string, previous: string | undefined): void {
  mkdirSync(dir, { recursive: true });
  if (!previous || previous === dir) return;
  for (const entry of listOrEmpty(previous)) {
    if (!ATTEMPT_LOG.test(entry)) continue;
    try {
      renameSync(path.join(previous, entry), path.join(dir, entry));
    } catch (error) {
      // Set aside meanwhile by a runner that took the chunk over: its logs went with it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  setAside(previous, path.dirname(previous));
}

/** An attempt whose chunk another attempt committed first: nothing will ever read its folder (outputs and all). */
export function discardAttemptDir(attemptDir: string): void {
  rmSync(attemptDir, { recursive: true, force: true });
}

/**
 * A phase may leave a `_SUCCESS` of its own in its output folder (Hadoop and Spark writers do):
 * a failed attempt's folder drops it before it is published, or the chunk would look committed.
 */
export function dropPhaseMarker(attemptDir: string): void {
  rmSync(markerPathIn(attemptDir), { recursive: true, force: true });
}

export type Publication = 'published' | 'already-committed';

/**
 * Publish an attempt dir as the chunk dir in one rename. A chunk dir already there with a
 * marker is another attempt's commit and wins; one without (a failed or crashed run's
 * leftovers) is set aside first. Callers hold the chunk's claim and checked it just before.
 */
export function publishAttemptDir(attemptDir: string, chunkDir: string): Publication {
  for (let tries = 0; tries < 3; tries++) {
    try {
      renameSync(attemptDir, chunkDir);
      fsyncDir(path.dirname(chunkDir));
      return 'published';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
    if (isCommitted(chunkDir)) return 'already-committed';
    setAside(chunkDir, path.join(path.dirname(chunkDir), ATTEMPTS_DIR));
  }
  if (isCommitted(chunkDir)) return 'already-committed';
  throw new Error(`cannot publish ${attemptDir} as ${chunkDir}: the chunk dir keeps reappearing without a commit marker`);
}

/** After a commit: leftovers of this chunk in other device folders (failed runs' dirs) go. */
export function clearUncommittedCopies(outputDir: string, name: string, committedDir: string): void {
  for (const device of deviceFolders(outputDir)) {
    const dir = path.join(chunksRoot(outputDir), device, name);
    if (dir === committedDir || !existsSync(dir) || isCommitted(dir)) continue;
    setAside(dir, attemptsDirFor(outputDir, device));
  }
}
