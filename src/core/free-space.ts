import { statfsSync } from 'node:fs';

/** Below this, a failing phase is taken to have failed for want of space. */
export const LOW_SPACE_BYTES = 1024 * 1024;

/** Bytes free to us in the filesystem holding `dir`, or undefined when it cannot be told. */
export function freeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

export function outputDirFullReason(dir: string): string | undefined {
  const free = freeBytes(dir);
  if (free === undefined || free >= LOW_SPACE_BYTES) return undefined;
  return `output dir ${dir} is full (${free} bytes free); free space, then rerun the same command`;
}
