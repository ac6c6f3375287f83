/**
 * A phase's log is capped: a phase printing 200 MB must not leave 200 MB per chunk. The
 * phase writes straight to the file (O_APPEND), so the file is capped from outside, the way
 * logrotate's copytruncate does: the newest `maxBytes` are copied to `<log>.1` (replacing
 * the previous one) and the live file is truncated; the writer carries on at the new end.
 * Lines written between the copy and the truncation are lost; a line says where bytes were dropped.
 */
import { appendFileSync, closeSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { errorMessage } from '../core/errors.js';

const COPY_BLOCK = 1 << 20;

export const rotatedLogFile = (file: string) => `${file}.1`;

/** Writes `note`, then the last `maxBytes` of `source`, to `target` atomically (tmp + rename). */
function writeTail(source: string, target: string, maxBytes: number, note: (dropped: number) => string): void {
  const input = openSync(source, 'r');
  const tmp = `${target}.tmp`;
  const output = openSync(tmp, 'w');
  try {
    const size = fstatSync(input).size;
    const from = Math.max(0, size - maxBytes);
    if (from > 0) writeSync(output, note(from));
    const buffer = Buffer.alloc(Math.min(COPY_BLOCK, Math.max(1, size - from)));
    for (let position = from; position < size;) {
      const read = readSync(input, buffer, 0, Math.min(buffer.length, size - position), position);
      if (read === 0) break;
      writeSync(output, buffer, 0, read);
      position += read;
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
  renameSync(tmp, target);
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * While the phase runs: when the log is over `maxBytes`, rotate it (newest `maxBytes` to
 * `<log>.1`, live file truncated). Returns whether it rotated.
 */
export function capLogFile(file: string, maxBytes: number): boolean {
  const size = sizeOf(file);
  if (size === undefined || size <= maxBytes) return false;
  const rotated = rotatedLogFile(file);
  try {
    writeTail(file, rotated, maxBytes, (dropped) => `[chunkrun: log over ${maxBytes} bytes; ${dropped} earlier bytes dropped]\n`);
  } catch (error) {
    // Most likely a full disk, where an unbounded log hurts most: the cap still holds, and the log says what was lost.
    rmSync(`${rotated}.tmp`, { force: true });
    truncateSync(file, 0);
    appendFileSync(
      file,
      `[chunkrun: log over ${maxBytes} bytes; could not keep its newest part in ${rotated} (${errorMessage(error)}), dropped it]\n`,
    );
    return true;
  }
  truncateSync(file, 0);
  return true;
}

/**
 * Once the phase is gone (no writer left): the live log keeps its newest `maxBytes` in
 * place, so a failure's log tail is still in the file the summary names.
 */
export function capFinishedLogFile(file: string, maxBytes: number): boolean {
  const size = sizeOf(file);
  if (size === undefined || size <= maxBytes) return false;
  writeTail(file, file, maxBytes, (dropped) => `[chunkrun: log over ${maxBytes} bytes; ${dropped} earlier bytes dropped]\n`);
  return true;
}

/** How often a live log's size is checked: a writer printing 100 MB/s overshoots the cap by that much at most. */
const LOG_CAP_CHECK_MS = 1000;

function noteInLog(file: string, line: string): void {
  try {
    appendFileSync(file, line);
  } catch {
    // The log itself cannot be written (gone, or a full disk): there is nowhere left to say it.
  }
}

export interface LogCapWatch {
  /** The writer is gone: stop watching and keep the newest `maxBytes` in the file itself. */
  finish(): void;
  /** Stop watching; the writer may still write (a worker between chunks keeps its own log open). */
  stop(): void;
}

/**
 * Caps `file` at `maxBytes` while something writes to it (rotating as capLogFile does), until
 * finish() or stop(). Without `maxBytes`, nothing is capped. A failure to cap stops the
 * watching and is said in the log: it must never end the attempt or the runner.
 */
export function watchLogCap(file: string, maxBytes: number | undefined): LogCapWatch {
  let failure: unknown;
  const cap = (how: (file: string, maxBytes: number) => boolean) => {
    if (maxBytes === undefined || failure !== undefined) return;
    try {
      how(file, maxBytes);
    } catch (error) {
      failure = error;
      clearInterval(timer);
      noteInLog(file, `[chunkrun: log cap stopped: ${errorMessage(error)}]\n`);
    }
  };
  const timer = maxBytes !== undefined ? setInterval(() => cap(capLogFile), LOG_CAP_CHECK_MS) : undefined;
  timer?.unref();
  return {
    finish() {
      clearInterval(timer);
      cap(capFinishedLogFile);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
