/**
 * What is on disk: which chunks are committed, and where. One scan, used by every command.
 *
 * The scan lists the chunk dirs and stats each one's marker (see commitTimeIn): it reads no
 * marker, since reading 200,000 of them takes seconds. Those who need a marker's content ask
 * markerOf(entry), which reads it once: the merge (files, rows), the pick between two
 * committed copies of one range, status (a device's host, the rate's first commit).
 *
 * Nor does the scan check each marker's run identity. chunksOfAnotherRun does, reading every
 * marker, and only the launcher calls it, only when run.json is missing. That is sound
 * because while run.json is present, no chunk of another run can be committed: runners make
 * chunks only under the run a launcher started them for, and a launcher starts none before
 * its run matched run.json, or, with run.json missing, before it checked every marker and
 * then created run.json exclusively (createRunFile: of two launchers that both found it
 * missing, the second compares its run with the first one's and stops on a difference).
 * What this cannot see is run.json deleted or rewritten by hand while another run's runners
 * are live; a deleted one is checked in full on the next launch, as before.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chunksRoot } from './layout.js';
import { commitTimeIn, madeUnderOtherRun, readMarker, type Marker } from './marker.js';
import { DataError } from './errors.js';
import type { RunIdentity } from './run-file.js';
import { parseChunkName, type ChunkRange } from './plan.js';

export interface ChunkDirEntry {
  readonly device: string;
  readonly name: string;
  readonly range: ChunkRange;
  readonly dir: string;
  /** When the chunk was committed (its marker's mtime, on the filesystem's clock); undefined for a leftover of a crashed or failed attempt. */
  readonly committedAtMs: number | undefined;
}

/** A chunk dir that is committed. */
export type CommittedEntry = ChunkDirEntry & { readonly committedAtMs: number };

export interface DiskState {
  /** Every chunk folder under chunks/, committed or not. */
  readonly entries: ChunkDirEntry[];
  /** One committed copy per chunk range ("start-end"), the earliest finished when a range was committed twice. */
  readonly committed: Map<string, CommittedEntry>;
  /** Extra committed copies of a range that is already committed elsewhere: never counted. */
  readonly duplicates: CommittedEntry[];
  readonly devices: string[];
}

export function rangeKey(range: ChunkRange): string {
  return `${range.start}-${range.end}`;
}

/** The ranges of the committed chunks. */
export function committedRanges(disk: DiskState): ChunkRange[] {
  return Array.from(disk.committed.values(), (entry) => entry.range);
}

const markers = new WeakMap<ChunkDirEntry, Marker | DataError>();

/** The marker of a committed entry, read at most once; a DataError naming the file and the fix when it is damaged. */
export function markerOf(entry: ChunkDirEntry): Marker {
  let marker = markers.get(entry);
  if (marker === undefined) {
    try {
      marker = readMarker(entry.dir);
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      marker = error;
    }
    markers.set(entry, marker);
  }
  if (marker instanceof DataError) throw marker;
  return marker;
}

/** markerOf for those who can do without a damaged marker's content (status, the pick between two copies). */
export function soundMarkerOf(entry: ChunkDirEntry): Marker | undefined {
  try {
    return markerOf(entry);
  } catch (error) {
    if (error instanceof DataError) return undefined;
    throw error;
  }
}

/** What `list` reads of a folder; nothing when the folder does not exist. */
function unlessMissing<T>(list: () => T[]): T[] {
  try {
    return list();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The names in `dir`; none when it does not exist. */
const namesIn = (dir: string): string[] => unlessMissing(() => readdirSync(dir));

/** The device folders. Dot-entries are the runner's own (a temp file): never a device. */
const deviceFoldersIn = (root: string): string[] =>
  unlessMissing(() => readdirSync(root, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();

const isDirectory = (dir: string) => statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true;

/** Of two committed copies of one range, the one that finished first; a damaged marker loses to a sound one. */
function earlierCopy(a: CommittedEntry, b: CommittedEntry): CommittedEntry {
  const finishedB = soundMarkerOf(b)?.finishedAt;
  if (finishedB === undefined) return a;
  const finishedA = soundMarkerOf(a)?.finishedAt;
  return finishedA === undefined || finishedB < finishedA ? b : a;
}

/** What is committed in `outputDir`. */
export function scanDisk(outputDir: string): DiskState {
  const root = chunksRoot(outputDir);
  const devices = deviceFoldersIn(root);
  const entries: ChunkDirEntry[] = [];
  const committed = new Map<string, CommittedEntry>();
  const duplicates: CommittedEntry[] = [];
  for (const device of devices) {
    const deviceDir = path.join(root, device);
    // Names only, unsorted: a committed chunk dir shows itself by its marker's stat, the rest
    // are few and stated once more. Dot-entries (attempts, temp files) are no chunk name.
    for (const name of namesIn(deviceDir)) {
      const range = parseChunkName(name);
      if (!range) continue;
      const dir = `${deviceDir}${path.sep}${name}`;
      const committedAtMs = commitTimeIn(dir);
      if (committedAtMs === undefined) {
        if (isDirectory(dir)) entries.push({ device, name, range, dir, committedAtMs });
        continue;
      }
      const entry: CommittedEntry = { device, name, range, dir, committedAtMs };
      entries.push(entry);
      const key = rangeKey(range);
      const existing = committed.get(key);
      if (!existing) {
        committed.set(key, entry);
        continue;
      }
      const kept = earlierCopy(existing, entry);
      duplicates.push(kept === entry ? existing : entry);
      committed.set(key, kept);
    }
  }
  // In a stable order for status; the listing's own order is the filesystem's.
  duplicates.sort((a, b) => (a.dir < b.dir ? -1 : 1));
  return { entries, committed, duplicates, devices };
}

/** The committed chunks made under another run than `run`. Reads every marker: see the top of this file for when that is needed. */
export function chunksOfAnotherRun(disk: DiskState, run: RunIdentity): { entry: ChunkDirEntry; run: RunIdentity }[] {
  const found: { entry: ChunkDirEntry; run: RunIdentity }[] = [];
  for (const entry of disk.entries) {
    if (entry.committedAtMs === undefined) continue;
    // A damaged marker names no run; the merge refuses it with its own fix.
    const marker = soundMarkerOf(entry);
    if (marker?.run && madeUnderOtherRun(marker, run)) found.push({ entry, run: marker.run });
  }
  return found;
}
