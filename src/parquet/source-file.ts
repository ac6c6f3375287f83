/** Positioned reads of a chunk file through one reusable read-ahead window. */
import { closeSync, openSync, readSync } from 'node:fs';
import { DataError } from '../core/errors.js';

// About a page: larger blocks copy slower once they no longer fit the CPU caches.
const WINDOW = 1 << 20;

export class SourceFile {
  readonly path: string;
  private readonly fd: number;
  private window: Buffer = Buffer.allocUnsafe(WINDOW);
  private windowStart = 0;
  private windowLength = 0;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'r');
  }

  /**
   * Bytes [position, position + length), valid until the next call. Reads move forward through
   * a file, so what the window already holds of the range is kept, not read again.
   */
  readAt(position: number, length: number): Buffer {
    const offset = position - this.windowStart;
    if (offset >= 0 && offset + length <= this.windowLength) return this.window.subarray(offset, offset + length);
    let filled = 0;
    if (offset >= 0 && offset < this.windowLength) {
      filled = this.windowLength - offset;
      if (length > this.window.length) {
        const bigger = Buffer.allocUnsafe(length);
        this.window.copy(bigger, 0, offset, this.windowLength);
        this.window = bigger;
      } else this.window.copyWithin(0, offset, this.windowLength);
    } else if (length > this.window.length) this.window = Buffer.allocUnsafe(length);
    const wanted = Math.max(length, Math.min(this.window.length, WINDOW));
    while (filled < wanted) {
      const got = readSync(this.fd, this.window, filled, wanted - filled, position + filled);
      if (got === 0) break;
      filled += got;
    }
    this.windowStart = position;
    this.windowLength = filled;
    if (filled < length)
      throw new DataError(`${this.path} ended at byte ${position + filled}, expected ${length} bytes at ${position} (truncated?)`);
    return this.window.subarray(0, length);
  }

  close(): void {
    closeSync(this.fd);
  }
}
