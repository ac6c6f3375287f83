/** Row counts of chunk outputs, read cheaply: a Parquet footer, or the lines of a JSONL file. */
import { createReadStream } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { errorMessage } from './errors.js';
import { corruptParquet, readFooterBytes } from './parquet-footer-bytes.js';

/**
 * Rows of a Parquet file, summed over its row groups as readers count them (a few writers
 * left the file-level num_rows at 0); throws a DataError naming the file when it is not valid Parquet.
 */
export function parquetRowCount(file: string): number {
  const { buffer } = readFooterBytes(file);
  try {
    return parquetMetadata(buffer).row_groups.reduce((rows, group) => rows + Number(group.num_rows), 0);
  } catch (error) {
    throw corruptParquet(file, `corrupt footer (${errorMessage(error)})`);
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
