/**
 * The per-item progress protocol: a phase appends JSON lines {"done": n, "total": m} to
 * the file named by CHUNKRUN_PROGRESS_FILE; the runner reads the newest line now and then.
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

export interface ItemProgress {
  readonly done: number;
  readonly total: number | undefined;
}

/** The last complete progress line of the file, reading only its tail. */
export function readLatestProgress(file: string): ItemProgress | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 4096);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const parsed = parseProgressLine(lines[i]!);
      if (parsed) return parsed;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function parseProgressLine(line: string): ItemProgress | undefined {
  if (!line.trim().startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { done?: unknown; total?: unknown };
    if (typeof value.done !== 'number') return undefined;
    return { done: value.done, total: typeof value.total === 'number' ? value.total : undefined };
  } catch {
    // A line still being written: the previous one is used.
    return undefined;
  }
}
