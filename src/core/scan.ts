/** What is on disk: which chunks are committed, and where. One scan, used by every command. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { chunksRoot } from './layout.js';
import { madeUnderOtherRun, readMarker, type Marker } from './marker.js';
import type { RunIdentity } from './run-file.js';
import { parseChunkName, type ChunkRange } from './plan.js';

export interface ChunkDirEntry {
  readonly device: string;
  readonly name: string;
  readonly range: ChunkRange;
  readonly dir: string;
  /** The valid commit marker, or undefined for a leftover of a crashed or failed attempt. */
  readonly marker: Marker | undefined;
}

export interface DiskState {
  /** Every chunk folder under chunks/, committed or not. */
  readonly entries: ChunkDirEntry[];
  /** One committed copy per chunk range ("start-end"), the earliest finished when a range was committed twice. */
  readonly committed: Map<string, ChunkDirEntry>;
  /** Extra committed copies of a range that is already committed elsewhere: never counted. */
  readonly duplicates: ChunkDirEntry[];
  /** Chunks committed under another run identity (another model, command or plan): never counted. */
  readonly foreign: ChunkDirEntry[];
  readonly devices: string[];
}

export function rangeKey(range: ChunkRange): string {
  return `${range.start}-${range.end}`;
}

/** The ranges of the committed chunks. */
export function committedRanges(disk: DiskState): ChunkRange[] {
  return Array.from(disk.committed.values(), (entry) => entry.range);
}

function listDirs(dir: string): string[] {
  try {
    // Dot-entries are the runner's own (an attempt's folder, a temp file): never a device or a chunk.
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** What is committed in `outputDir`; with `run`, chunks made under another run are set apart as foreign. */
export function scanDisk(outputDir: string, run?: RunIdentity): DiskState {
  const root = chunksRoot(outputDir);
  const devices = listDirs(root);
  const entries: ChunkDirEntry[] = [];
  for (const device of devices) {
    if (device.startsWith('.')) continue;
    for (const name of listDirs(path.join(root, device))) {
      const range = parseChunkName(name);
      if (!range) continue;
      const dir = path.join(root, device, name);
      entries.push({ device, name, range, dir, marker: readMarker(dir) });
    }
  }
  const committed = new Map<string, ChunkDirEntry>();
  const duplicates: ChunkDirEntry[] = [];
  const foreign: ChunkDirEntry[] = [];
  for (const entry of entries) {
    if (!entry.marker) continue;
    if (run && madeUnderOtherRun(entry.marker, run)) {
      foreign.push(entry);
      continue;
    }
    const key = rangeKey(entry.range);
    const existing = committed.get(key);
    if (!existing) {
      committed.set(key, entry);
    } else if (entry.marker.finishedAt < existing.marker!.finishedAt) {
      duplicates.push(existing);
      committed.set(key, entry);
    } else {
      duplicates.push(entry);
    }
  }
  return { entries, committed, duplicates, foreign, devices };
}
