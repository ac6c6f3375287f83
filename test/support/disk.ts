/** Reading what a run left on disk, the way a user's downstream code would. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { markerOf, scanDisk } from '../../src/core/scan.js';
import { readDataRows } from './data-rows.js';

/** Every `index` value in the committed chunks' outputs (JSONL or Parquet), in no particular order. */
export function committedIndexes(outputDir: string): number[] {
  const files = [...scanDisk(outputDir).committed.values()].flatMap((entry) =>
    markerOf(entry).files.map((file) => path.join(entry.dir, file.path)),
  );
  return readDataRows(files).flatMap((rows) => rows.map((row) => row.index as number));
}

export function expectExactlyOnce(indexes: number[], start: number, end: number): string | undefined {
  const counts = new Map<number, number>();
  for (const index of indexes) counts.set(index, (counts.get(index) ?? 0) + 1);
  for (let i = start; i <= end; i++) if (counts.get(i) !== 1) return `index ${i} appears ${counts.get(i) ?? 0} times`;
  if (indexes.length !== end - start + 1) return `${indexes.length} rows for ${end - start + 1} indexes`;
  return undefined;
}

/** Every marker's files exist with the recorded sizes. */
export function markersMatchFiles(outputDir: string): string | undefined {
  for (const entry of scanDisk(outputDir).entries) {
    if (entry.committedAtMs === undefined) continue;
    for (const file of markerOf(entry).files) {
      const full = path.join(entry.dir, file.path);
      if (!existsSync(full)) return `${full} is in the marker but gone`;
      if (statSync(full).size !== file.bytes) return `${full} changed size`;
    }
  }
  return undefined;
}

export function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}
