/** Commit: a finished attempt's outputs -> the `_SUCCESS` marker, written last and atomically. */
import { readdirSync, statSync, rmSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { globToRegExp } from './glob.js';
import { MARKER_FILE, PROGRESS_FILE } from './layout.js';
import { writeMarker, type Marker, type MarkerFile } from './marker.js';
import { rowCountOf } from './output-rows.js';
import type { ChunkRange } from './plan.js';

/** Files the runner itself puts in a chunk dir: never outputs of the phase. */
function isRunnerFile(relative: string): boolean {
  return relative === MARKER_FILE || relative === PROGRESS_FILE || /^run(\.attempt\d+)?\.log$/.test(relative) || relative.startsWith('.');
}

export function listFilesUnder(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  return files.sort();
}

export interface OutputCheck {
  /** Output files matched by the globs, non-empty. */
  readonly files: string[];
  /** Globs that matched no non-empty file, each with what was found instead. */
  readonly missing: string[];
}

export function checkOutputs(chunkDir: string, globs: readonly string[]): OutputCheck {
  const candidates = listFilesUnder(chunkDir).filter((file) => !isRunnerFile(file));
  const matched = new Set<string>();
  const missing: string[] = [];
  for (const glob of globs) {
    const pattern = globToRegExp(glob);
    const hits = candidates.filter((file) => pattern.test(file));
    const nonEmpty = hits.filter((file) => statSync(path.join(chunkDir, file)).size > 0);
    if (nonEmpty.length === 0)
      missing.push(hits.length > 0 ? `${glob} (only empty files: ${hits.join(', ')})` : `${glob} (no file matches)`);
    nonEmpty.forEach((file) => matched.add(file));
  }
  return { files: [...matched].sort(), missing };
}

export interface CommitFacts {
  readonly name: string;
  readonly range: ChunkRange;
  readonly device: string;
  readonly attempt: number;
  readonly startedAt: Date;
}

/** Record the outputs (sizes, row counts) and publish the marker. Throws when an output is unreadable. */
export async function commitChunk(chunkDir: string, files: readonly string[], facts: CommitFacts): Promise<Marker> {
  const described: MarkerFile[] = [];
  for (const file of files) {
    const full = path.join(chunkDir, file);
    described.push({ path: file, bytes: statSync(full).size, rows: await rowCountOf(full) });
  }
  const finishedAt = new Date();
  const marker: Marker = {
    version: 1,
    name: facts.name,
    start: facts.range.start,
    end: facts.range.end,
    device: facts.device,
    host: os.hostname(),
    attempt: facts.attempt,
    startedAt: facts.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - facts.startedAt.getTime(),
    files: described,
  };
  writeMarker(chunkDir, marker);
  return marker;
}

/** Remove a chunk dir that holds no valid marker: leftovers of a crashed or failed attempt. */
export function clearChunkDir(chunkDir: string): void {
  rmSync(chunkDir, { recursive: true, force: true });
}
