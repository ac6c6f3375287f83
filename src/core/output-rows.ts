/** Row counts of chunk outputs, read cheaply: a Parquet footer, or the lines of a JSONL file. */
import { openSync, readSync, closeSync, fstatSync, createReadStream } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { DataError, errorMessage } from './errors.js';

const PARQUET_MAGIC = 'PAR1';

/** Rows recorded in a Parquet file's footer; throws a DataError naming the file when it is not valid Parquet. */
export function parquetRowCount(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 12) throw new DataError(`${file} is not a Parquet file (only ${size} bytes)`);
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    if (tail.toString('latin1', 4, 8) !== PARQUET_MAGIC) {
      throw new DataError(`${file} is not a Parquet file or is truncated (no PAR1 footer)`);
    }
    const metadataLength = tail.readUInt32LE(0);
    if (metadataLength + 12 > size)
      throw new DataError(`${file} is truncated (footer says ${metadataLength} bytes of metadata, file has ${size})`);
    const footer = Buffer.alloc(metadataLength + 8);
    readSync(fd, footer, 0, footer.length, size - footer.length);
    const arrayBuffer = footer.buffer.slice(footer.byteOffset, footer.byteOffset + footer.length);
    try {
      return Number(parquetMetadata(arrayBuffer).num_rows);
    } catch (error) {
      throw new DataError(`${file} has a corrupt Parquet footer: ${errorMessage(error)}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Non-empty lines of a JSONL file, streamed. */
export async function jsonlRowCount(file: string): Promise<number> {
  let rows = 0;
  let lineHasContent = false;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) {
      if (byte === 0x0a) {
        if (lineHasContent) rows++;
        lineHasContent = false;
      } else if (byte !== 0x20 && byte !== 0x0d && byte !== 0x09) {
        lineHasContent = true;
      }
    }
  }
  return lineHasContent ? rows + 1 : rows;
}

/** Rows of a data file by its extension; null for files that are not .parquet or .jsonl. */
export async function rowCountOf(file: string): Promise<number | null> {
  if (file.endsWith('.parquet')) return parquetRowCount(file);
  if (file.endsWith('.jsonl')) return jsonlRowCount(file);
  return null;
}
