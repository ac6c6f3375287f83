import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

/** The last `count` lines of a text file (reads only its end); [] when it cannot be read. */
export function lastLines(file: string, count: number, maxBytes = 16_384): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}
