/**
 * The merged files in an output dir, by name alone: what `status` lists, without loading the
 * Parquet code that reading them takes (see merged-files.ts).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { MERGED_FILE } from '../core/layout.js';

export interface MergedFileName {
  readonly file: string;
  readonly target: string;
}

export function mergedFilesIn(outputDir: string): MergedFileName[] {
  let names: string[];
  try {
    names = readdirSync(outputDir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: MERGED_FILE.exec(name) }))
    .filter((entry) => entry.match !== null)
    .map((entry) => ({ file: path.join(outputDir, entry.name), target: entry.match![1]! }))
    .sort((a, b) => (a.file < b.file ? -1 : 1));
}
