import { statfsSync } from 'node:fs';

/** Errors of the output filesystem: retrying cannot help, and new chunks would fail the same way. */
const STORAGE_ERROR_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

export function isStorageError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && STORAGE_ERROR_CODES.has(code);
}

export function storageProblem(error: NodeJS.ErrnoException): string {
  return `output dir problem (${error.code}): ${error.message}; free space or fix permissions, then rerun the same command`;
}

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
