/**
 * A JSONL file's lines as bytes, in time linear in its bytes whatever the line length, and the
 * rules both passes over it share: a blank line, a line's row, and the first rows the types are
 * taken from when only those are read (typesFrom 'first rows', see jsonl.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DataError, errorMessage } from '../core/errors.js';

/** Bytes read at a time from a JSONL file. */
export const READ_BLOCK = 1 << 20;

/** How a file's blocks are read: awaited, or (`sync`) on this thread, for reads too short to hold up its timers. */
interface BlockReader {
  read(block: Buffer): Promise<number> | number;
  close(): Promise<void> | void;
}

async function openBlocks(file: string, sync: boolean): Promise<BlockReader> {
  if (sync) {
    const fd = openSync(file, 'r');
    return { read: (block) => readSync(fd, block, 0, block.length, null), close: () => closeSync(fd) };
  }
  const handle = await open(file, 'r');
  return { read: async (block) => (await handle.read(block, 0, block.length, null)).bytesRead, close: () => handle.close() };
}

/** How forEachLine reads: its block size, on this thread or not, and a taker of whole lines. */
export interface LineReading {
  readonly blockSize?: number;
  /** Reads on this thread (see forEachLine). */
  readonly sync?: boolean;
  /**
   * Offered the lines of bytes[start, end) (each ending in a newline, the last at end - 1, or at
   * bytes.length past the buffer) before `visit`: takes them from the first until one it does
   * not, and says how many it took and where the next line starts; `visit` is called with the rest.
   */
  readonly take?: (bytes: Buffer, start: number, end: number) => { lines: number; next: number };
}

/**
 * Calls `visit` with each line of the file as bytes[start, end) (its newline left out) and its
 * 1-based number, in time linear in the file's bytes whatever the line length: lines within a
 * read block are views of it, and a line split over reads is kept as a list of pieces, joined
 * once when its newline arrives. Each block is awaited, so timers (the merge lock's renewal) keep
 * running during a long file; `sync` reads on this thread instead (a file's first rows: each
 * wait for a read cost more than the read). `visit` returning false stops the reading. With
 * `take`, the lines it takes (most, in a block at a time) never reach `visit`.
 */
export async function forEachLine(
  file: string,
  visit: (bytes: Buffer, start: number, end: number, line: number) => boolean | void,
  { blockSize = READ_BLOCK, sync = false, take }: LineReading = {},
): Promise<void> {
  const reader = await openBlocks(file, sync);
  const offer = (bytes: Buffer, start: number, end: number, line: number) =>
    (take?.(bytes, start, end + 1).lines ?? 0) === 1 || visit(bytes, start, end, line);
  try {
    const pieces: Buffer[] = [];
    let line = 0;
    for (;;) {
      // A fresh block each read: pieces keep views of the previous one.
      const block = Buffer.allocUnsafe(blockSize);
      const bytesRead = await reader.read(block);
      if (bytesRead === 0) break;
      const read = block.subarray(0, bytesRead);
      let from = 0;
      const linesEnd = take ? read.lastIndexOf(0x0a) + 1 : 0;
      for (;;) {
        if (pieces.length === 0 && from < linesEnd) {
          const taken = take!(read, from, linesEnd);
          line += taken.lines;
          from = taken.next;
        }
        const newline = read.indexOf(0x0a, from);
        if (newline < 0) break;
        if (pieces.length > 0) {
          const joined = Buffer.concat([...pieces.splice(0), read.subarray(0, newline)]);
          if (offer(joined, 0, joined.length, ++line) === false) return;
        } else if (visit(read, from, newline, ++line) === false) return;
        from = newline + 1;
      }
      if (from < bytesRead) pieces.push(read.subarray(from));
    }
    if (pieces.length > 0) {
      const joined = Buffer.concat(pieces);
      offer(joined, 0, joined.length, ++line);
    }
  } finally {
    await reader.close();
  }
}

export const isBlank = (text: string) => text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === '');

/** The row a line holds, or a DataError naming the file and line. */
export function parseRow(file: string, text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${file} line ${line} is not valid JSON (${errorMessage(error)})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new DataError(`${file} line ${line} is not a JSON object; each line must be one row`);
  return value as Record<string, unknown>;
}

/** The rows of a file whose types inference reads when only the first rows are read. */
const SAMPLE_ROWS = 500;
const SAMPLE_BYTES = 1 << 20;
/** Even rows of many MB: one row alone (an integral first value in a float column) would too often cost the merge a second pass. */
const SAMPLE_MIN_ROWS = 10;
export const inSample = (rows: number, bytes: number) => rows < SAMPLE_MIN_ROWS || (rows < SAMPLE_ROWS && bytes < SAMPLE_BYTES);
/** How many more rows, or bytes of rows, end the sample of a file `rows` rows and `bytes` bytes into it (inSample holds there). */
export const sampleLeft = (rows: number, bytes: number) =>
  rows < SAMPLE_MIN_ROWS ? { rows: SAMPLE_MIN_ROWS - rows, bytes: Infinity } : { rows: SAMPLE_ROWS - rows, bytes: SAMPLE_BYTES - bytes };
/** Whether a file's sample is about a MiB (not rows of many MB, whose first ten inference reads all the same), judged by its average row. */
export const smallSample = (rows: number, bytes: number) => (bytes / Math.max(1, rows)) * SAMPLE_MIN_ROWS <= SAMPLE_BYTES;
/** Reads while sampling: the first rows are usually far fewer bytes than a full read block. */
export const SAMPLE_BLOCK = 64 << 10;
