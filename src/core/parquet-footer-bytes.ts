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
}

export function readFooterBytes(file: string): FooterBytes {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 12) throw corruptParquet(file, `only ${size} bytes`);
    const edges = Buffer.alloc(8);
    readSync(fd, edges, 0, 4, 0);
    if (edges.readUInt32LE(0) !== MAGIC) throw corruptParquet(file, 'no PAR1 header');
    readSync(fd, edges, 0, 8, size - 8);
    if (edges.readUInt32LE(4) !== MAGIC) throw corruptParquet(file, 'no PAR1 footer (truncated?)');
    const metadataLength = edges.readUInt32LE(0);
    if (metadataLength + 12 > size) throw corruptParquet(file, `footer says ${metadataLength} bytes of metadata, the file has ${size}`);
    const footer = Buffer.alloc(metadataLength + 8);
    readSync(fd, footer, 0, footer.length, size - footer.length);
    return { size, metadataLength, buffer: footer.buffer.slice(footer.byteOffset, footer.byteOffset + footer.length) };
  } finally {
    closeSync(fd);
  }
}
