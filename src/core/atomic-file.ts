import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** fsync a directory so a rename inside it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Write `content` to a fresh temp file beside `target`; the temp file is gone again if that
 * fails. Not fsynced: a file published with link() that only matters while its writer lives
 * (a claim: it dies with its holder) need not survive a power cut; one that must is written
 * with writeFileAtomic.
 */
export function writeTempFileFor(target: string, content: string | Uint8Array, options: { durable: boolean } = { durable: false }): string {
  const temp = tempNameFor(target);
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    if (options.durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** Write a whole file so that readers see either the old content or the new, never a part, and it survives a power cut. */
export function writeFileAtomic(target: string, content: string | Uint8Array): void {
  const temp = writeTempFileFor(target, content, { durable: true });
  try {
    renameSync(temp, target);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  fsyncDir(path.dirname(target));
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Replace a whole file for live readers only (temp file, rename; no fsync): a lease's
 * renewal matters while its writer lives, and a power cut ends the lease anyway.
 */
export function replaceJsonForReaders(target: string, value: unknown): void {
  const temp = writeTempFileFor(target, `${JSON.stringify(value)}\n`);
  try {
    renameSync(temp, target);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}
