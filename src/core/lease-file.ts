/**
 * Lease files: created exclusively, renewed by rewriting them, judged stale by how long the
 * file itself has not changed, measured on the filesystem's own clock. Hosts' clocks may
 * differ by seconds or minutes; the clock that stamps every file's mtime on a shared dir is
 * one clock, so a writer's timestamps are never compared with a reader's.
 */
import { closeSync, fstatSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeTempFileFor, tempNameFor } from './atomic-file.js';

/**
 * Create `file` with `content` only if it does not exist, never showing a reader a part of
 * it: the content goes to a temp file first, then link() publishes it or fails with EEXIST
 * (atomic on local filesystems and NFS alike). `durable`: it also survives a power cut.
 */
export function createExclusive(file: string, content: string, options: { durable: boolean } = { durable: false }): boolean {
  const temp = writeTempFileFor(file, content, options);
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
  if (options.durable) fsyncDir(path.dirname(file));
  return true;
}

export interface LeaseFileRead {
  readonly text: string;
  /** How long ago the file last changed, on the filesystem's clock. */
  readonly ageMs: number;
}

/**
 * The file's content and age, or undefined when it does not exist. Opening it revalidates
 * NFS's cached attributes (close-to-open consistency), so the age is not an old cached one.
 */
export function readLeaseFile(file: string): LeaseFileRead | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const changedAt = fstatSync(fd).mtimeMs;
    const text = readFileSync(fd, 'utf8');
    return { text, ageMs: Math.max(0, filesystemNow(path.dirname(file)) - changedAt) };
  } finally {
    closeSync(fd);
  }
}

/** How far the filesystem's clock is ahead of ours, per folder, and when that was measured. */
const clockOffsets = new Map<string, { offsetMs: number; measuredAt: number }>();
const CLOCK_RECHECK_MS = 30_000;

/** Now, on the clock that stamps files in `dir`: measured by writing a file there now and then. */
export function filesystemNow(dir: string): number {
  const now = Date.now();
  let known = clockOffsets.get(dir);
  if (!known || now - known.measuredAt > CLOCK_RECHECK_MS) {
    known = { offsetMs: measureClockOffset(dir), measuredAt: now };
    clockOffsets.set(dir, known);
  }
  return Date.now() + known.offsetMs;
}

function measureClockOffset(dir: string): number {
  const probe = tempNameFor(path.join(dir, 'clock'));
  try {
    const before = Date.now();
    const fd = openSync(probe, 'wx');
    try {
      writeSync(fd, 'x');
      const stamped = fstatSync(fd).mtimeMs;
      return stamped - (before + Date.now()) / 2;
    } finally {
      closeSync(fd);
    }
  } catch {
    // A folder we cannot write to (status on a read-only mount): our clock is the best guess left.
    return 0;
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      // never created
    }
  }
}

/** A takeover lock left by a taker that died mid-takeover is itself stale after this long. */
const TAKEOVER_LOCK_STALE_MS = 30_000;

/**
 * Runs `action` (which replaces a stale lease `file`) while holding `<file>.takeover`, so two
 * takers that both judged the lease stale cannot both replace it: the second sees the first's
 * new file. Undefined when another taker holds the takeover lock now.
 */
export function withTakeoverLock<T>(file: string, action: () => T): T | undefined {
  const lock = `${file}.takeover`;
  if (!createExclusive(lock, String(process.pid))) {
    const read = readLeaseFile(lock);
    try {
      if (read && read.ageMs > TAKEOVER_LOCK_STALE_MS) unlinkSync(lock);
    } catch {
      // Another taker removed it first; either way this attempt yields.
    }
    return undefined;
  }
  try {
    return action();
  } finally {
    unlinkSync(lock);
  }
}
