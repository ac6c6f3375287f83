/** A chunk's folders across device folders: is it committed somewhere, and clearing leftovers. */
import { readdirSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chunksRoot } from '../core/layout.js';
import { readMarker, type Marker } from '../core/marker.js';
import { clearChunkDir } from '../core/commit.js';

function deviceFolders(outputDir: string): string[] {
  try {
    return readdirSync(chunksRoot(outputDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A valid commit of this chunk in any device folder (another runner may have committed it since our scan). */
export function committedCopy(outputDir: string, name: string): { device: string; marker: Marker } | undefined {
  for (const device of deviceFolders(outputDir)) {
    const dir = path.join(chunksRoot(outputDir), device, name);
    if (!existsSync(dir)) continue;
    const marker = readMarker(dir);
    if (marker) return { device, marker };
  }
  return undefined;
}

const ATTEMPT_LOG = /^run(\.attempt\d+)?\.log$/;

/**
 * Before an attempt, with the chunk's claim held: remove every uncommitted folder of this
 * chunk (another device's from a crash, ours from an earlier run), then make ours. A retry
 * within one run keeps the earlier attempts' logs, moving them along when the chunk has
 * changed device, and clears everything else.
 */
export function prepareChunkDir(outputDir: string, name: string, ownDir: string, options: { keepLogs: boolean }): void {
  mkdirSync(ownDir, { recursive: true });
  for (const device of deviceFolders(outputDir)) {
    const dir = path.join(chunksRoot(outputDir), device, name);
    if (!existsSync(dir) || readMarker(dir)) continue;
    for (const entry of readdirSync(dir)) {
      if (options.keepLogs && ATTEMPT_LOG.test(entry)) {
        if (dir !== ownDir && !existsSync(path.join(ownDir, entry))) renameSync(path.join(dir, entry), path.join(ownDir, entry));
      } else {
        rmSync(path.join(dir, entry), { recursive: true, force: true });
      }
    }
    if (dir !== ownDir) clearChunkDir(dir);
  }
}
