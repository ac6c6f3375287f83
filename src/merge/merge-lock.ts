/**
 * One merge per target at a time: two merges of one device racing would each delete the
 * other's new file as "older". A lock file names the holder; a dead holder's lock is taken over.
 */
import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.js';

function holderAlive(text: string): boolean {
  const [host, pid] = text.trim().split(':');
  if (host !== hostname()) return true; // another host's merge: only that host can tell, so wait for it
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the target's merge lock; returns the function that releases it. */
export function lockMergeTarget(outputDir: string, target: string): () => void {
  const file = path.join(outputDir, `.merge-${target}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${hostname()}:${process.pid}\n`);
      closeSync(fd);
      return () => unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = '';
      try {
        holder = readFileSync(file, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      if (holderAlive(holder)) {
        throw new UsageError(
          `another merge of ${target} is running (${holder.trim()}, lock ${file}); wait for it, or remove the lock if that process is gone`,
        );
      }
      unlinkSync(file);
    }
  }
  throw new UsageError(`cannot take the merge lock ${file}; remove it if no merge of ${target} is running`);
}
