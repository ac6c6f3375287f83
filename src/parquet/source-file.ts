/**
 * Positioned reads of a chunk file through one reusable read-ahead window; a small file read
 * whole with its footer (ParquetFooter.whole) is served from those bytes, never opened again.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { DataError } from '../core/errors.js';

// About a page: larger blocks copy slower once they no longer fit the CPU caches.
const WINDOW = 1 << 20;

export class SourceFile {
  readonly path: string;
  private readonly fd: number | undefined;
  private window: Buffer;
  private windowStart = 0;
  private windowLength = 0;

  constructor(path: string, whole?: Uint8Array) {
    this.path = path;
    if (whole) {
      this.fd = undefined;
      this.window = Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength);
      this.windowLength = whole.byteLength;
    } else {
      this.fd = openSync(path, 'r');
      this.window = Buffer.allocUnsafe(WINDOW);
    }
  }

  /** The source's file, from the bytes its footer read kept when it was read whole. */
  static of(source: { readonly file: string; readonly footer: { readonly whole: Uint8Array | undefined } }): SourceFile {
    return new SourceFile(source.file, source.footer.whole);
  }

  /**
   * Bytes [position, position + length), valid until the next call. Reads move forward through
   * a file, so what the window already holds of the range is kept, not read again.
   */
  readAt(position: number, length: number): Buffer {
    const offset = position - this.windowStart;
    if (offset >= 0 && offset + length <= this.windowLength) return this.window.subarray(offset, offset + length);
    if (this.fd === undefined)
      throw new DataError(`${this.path} ended at byte ${this.windowLength}, expected ${length} bytes at ${position} (truncated?)`);
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
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
