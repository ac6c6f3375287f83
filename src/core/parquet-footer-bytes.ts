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
