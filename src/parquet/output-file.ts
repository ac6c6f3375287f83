/** The merged file being written: a hyparquet-writer Writer over a file descriptor, flushed in blocks. */
import { close, closeSync, fsync, openSync, writeSync } from 'node:fs';
import { ByteWriter } from 'hyparquet-writer';
import { DataError, errorMessage } from '../core/errors.js';

const FLUSH_AT = 4 << 20;

export class OutputFile extends ByteWriter {
  readonly path: string;
  private fd: number | undefined;

  constructor(path: string) {
    super(FLUSH_AT + (1 << 20));
    this.path = path;
    this.fd = openSync(path, 'wx');
  }

  override ensure(size: number): void {
    if (this.index > FLUSH_AT) this.flush();
    super.ensure(size);
  }

  /** Bytes of the file written to it so far (the rest of `offset` is buffered). */
  get flushed(): number {
    return this.offset - this.index;
  }

  /** Write bytes straight to the file (after what is buffered), without copying them into the buffer. */
  appendDirect(bytes: Uint8Array): void {
    if (bytes.length < 64 << 10) {
      this.appendBytes(bytes);
      return;
    }
    this.flush();
    this.writeFully(bytes);
    this.offset += bytes.length;
  }

  flush(): void {
    if (this.index === 0) return;
    this.writeFully(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }

  /**
   * Flush, then fsync and close on libuv's threads while this one goes on (reading the file
   * back): the bytes are on disk when the promise resolves. Nothing more may be written.
   */
  syncInBackground(): Promise<void> {
    this.flush();
    const fd = this.openFd();
    this.fd = undefined;
    return new Promise((resolve, reject) => {
      fsync(fd, (syncError) => {
        close(fd, (closeError) => {
          const error = syncError ?? closeError;
          if (error) reject(diskError(this.path, error));
          else resolve();
        });
      });
    });
  }

  /** Close without syncing (on failure, before the temp file is removed); a background sync closes on its own. */
  abandon(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private writeFully(bytes: Uint8Array): void {
    const fd = this.openFd();
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    } catch (error) {
      throw diskError(this.path, error);
    }
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is already closed`);
    return this.fd;
  }
}

function diskError(file: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DataError(
      `no space left on the device while writing ${file}; free some space and run the merge again (the chunks are untouched)`,
    );
  }
  return new DataError(`cannot write ${file}: ${errorMessage(error)}`);
}
