/** The one reader of a Parquet file's footer bytes: magic checks, length checks, named errors. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from './errors.js';

const MAGIC = 0x31524150; // "PAR1" little-endian

export function corruptParquet(file: string, what: string): DataError {
  return new DataError(`${file} is not a valid Parquet file: ${what}`);
}

export interface FooterBytes {
  readonly size: number;
  readonly metadataLength: number;
  /** The FileMetaData followed by its 4-byte length and the closing magic: what hyparquet's parquetMetadata takes. */
  readonly buffer: ArrayBuffer;
  /** The whole file, when the footer's one read took it whole (a small file): its pages are then never read again. */
  readonly whole: Buffer | undefined;
}

// One read takes a small file whole (thousands of small chunk files are the common case), or the tail of a big one.
const TAIL = 64 << 10;

export function readFooterBytes(file: string): FooterBytes {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 12) throw corruptParquet(file, `only ${size} bytes`);
    const tailLength = Math.min(size, TAIL);
    const tail = Buffer.allocUnsafe(tailLength);
    readFully(file, fd, tail, size - tailLength);
    let head = tail;
    if (tailLength < size) {
      head = Buffer.alloc(4);
      readFully(file, fd, head, 0);
    }
    if (head.readUInt32LE(0) !== MAGIC) throw corruptParquet(file, 'no PAR1 header');
    if (tail.readUInt32LE(tailLength - 4) !== MAGIC) throw corruptParquet(file, 'no PAR1 footer (truncated?)');
    const metadataLength = tail.readUInt32LE(tailLength - 8);
    if (metadataLength + 12 > size) throw corruptParquet(file, `footer says ${metadataLength} bytes of metadata, the file has ${size}`);
    const footerLength = metadataLength + 8;
    let footer: Buffer;
    if (footerLength <= tailLength) footer = tail.subarray(tailLength - footerLength);
    else {
      footer = Buffer.allocUnsafe(footerLength);
      readFully(file, fd, footer, size - footerLength);
    }
    return {
      size,
      metadataLength,
      buffer: footer.buffer.slice(footer.byteOffset, footer.byteOffset + footer.length) as ArrayBuffer,
      whole: tailLength === size ? tail : undefined,
    };
  } finally {
    closeSync(fd);
  }
}

function readFully(file: string, fd: number, into: Buffer, position: number): void {
  let filled = 0;
  while (filled < into.length) {
    const got = readSync(fd, into, filled, into.length - filled, position + filled);
    if (got === 0) throw corruptParquet(file, `it ended at byte ${position + filled} while being read (still being written?)`);
    filled += got;
  }
}

/** What a merge keeps of its first pass's footer reads for its second: enough for 10,000 small chunk files. */
const KEPT_BYTES = 16 << 20;
/** Held per kept file beyond its bytes (the entry, its buffers' headers), counted against the budget. */
const ENTRY_BYTES = 256;

const heldBy = (bytes: FooterBytes) => bytes.buffer.byteLength + (bytes.whole?.byteLength ?? 0) + ENTRY_BYTES;

/**
 * Footer reads a merge's first pass (every file's schema) keeps for its second (every file's
 * rows): a small chunk file is read whole with its footer, so thousands of them are then
 * opened and read once, not twice. Kept up to a budget, whatever the number of chunks; each
 * given back once.
 */
export class KeptFooterBytes {
  private readonly kept = new Map<string, FooterBytes>();
  private held = 0;

  constructor(private readonly budget = KEPT_BYTES) {}

  /** The file's footer bytes, read now, and kept for take() while the budget allows. */
  read(file: string): FooterBytes {
    const bytes = readFooterBytes(file);
    if (this.held + heldBy(bytes) <= this.budget && !this.kept.has(file)) {
      this.kept.set(file, bytes);
      this.held += heldBy(bytes);
    }
    return bytes;
  }

  /** The bytes read() kept for `file` (no longer kept after), else read now. */
  take(file: string): FooterBytes {
    const bytes = this.kept.get(file);
    if (!bytes) return readFooterBytes(file);
    this.kept.delete(file);
    this.held -= heldBy(bytes);
    return bytes;
  }

  /** The file's size when read() kept it (the size its footer was read at). */
  sizeOf(file: string): number | undefined {
    return this.kept.get(file)?.size;
  }
}
