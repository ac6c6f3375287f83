/** A chunk's Parquet footer, parsed twice: typed (for decisions) and raw thrift (to copy verbatim). */
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { errorMessage } from '../core/errors.js';
import { corruptParquet, readFooterBytes, type FooterBytes } from '../core/parquet-footer-bytes.js';
import { schemaKeyOf } from './schema-key.js';

export type RawThrift = { [key: `field_${number}`]: any };

export interface ParquetFooter {
  readonly file: string;
  readonly size: number;
  readonly metadata: FileMetaData;
  /** The FileMetaData struct as thrift fields, so statistics and unknown fields survive a copy byte for byte. */
  readonly raw: RawThrift;
  /** Where the footer starts: every column chunk must lie in [4, dataEnd). */
  readonly dataEnd: number;
  /** The schema's bytes (see schema-key.ts): equal keys, equal schemas. */
  readonly schemaKey: string | undefined;
  /** The whole file when it is small (read with its footer in one read), for its pages. */
  readonly whole: Uint8Array | undefined;
}

/** Only the schema key of a file's footer: what the merge's first pass needs of a chunk whose schema it has seen. */
export function readSchemaKey(file: string, bytes: FooterBytes = readFooterBytes(file)): string | undefined {
  const { metadataLength, buffer } = bytes;
  return schemaKeyOf(new Uint8Array(buffer, 0, metadataLength));
}

/** `bytes`: the file's footer bytes where they were read already (KeptFooterBytes). */
export function readParquetFooter(file: string, bytes: FooterBytes = readFooterBytes(file)): ParquetFooter {
  const { size, metadataLength, buffer, whole } = bytes;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    throw corruptParquet(file, `corrupt footer (${errorMessage(error)})`);
  }
  let raw: RawThrift | undefined;
  const parsed: ParquetFooter = {
    file,
    size,
    metadata,
    // Parsed again as raw thrift only when row groups are copied: files whose rows are decoded never need it.
    get raw() {
      raw ??= deserializeTCompactProtocol({ view: new DataView(buffer, 0, metadataLength), offset: 0 });
      return raw;
    },
    dataEnd: size - metadataLength - 8,
    schemaKey: schemaKeyOf(new Uint8Array(buffer, 0, metadataLength)),
    whole,
  };
  checkFooter(parsed);
  return parsed;
}

/**
 * What a byte copy relies on: every column chunk inside the data region. (The file's num_rows
 * is not: an early parquet-rs wrote 0 there, and readers count the row groups' rows.)
 */
function checkFooter({ file, metadata, dataEnd }: ParquetFooter): void {
  const leaves = metadata.schema.filter((element) => !element.num_children).length;
  metadata.row_groups.forEach((group, groupIndex) => {
    if (group.num_rows < 0n) throw corruptParquet(file, `row group ${groupIndex} has ${group.num_rows} rows`);
    if (group.columns.length !== leaves) {
      throw corruptParquet(file, `row group ${groupIndex} has ${group.columns.length} column chunks for ${leaves} columns`);
    }
    for (const column of group.columns) {
      const meta = column.meta_data;
      const name = meta?.path_in_schema.join('.') ?? '?';
      if (column.file_path)
        throw corruptParquet(file, `column ${name} lives in another file (${column.file_path}); merge needs self-contained files`);
      if (!meta || column.encrypted_column_metadata) throw corruptParquet(file, `column ${name} has no readable metadata (encrypted?)`);
      const { start, end } = columnChunkRange(column.meta_data!);
      if (start < 4 || end > dataEnd || end < start) {
        throw corruptParquet(
          file,
          `column ${name} of row group ${groupIndex} points at bytes ${start}-${end}, outside the data region 4-${dataEnd}`,
        );
      }
    }
  });
}

/**
 * The bytes of a column chunk: from its first page for total_compressed_size. The first page is
 * the dictionary's when there is one; writers disagree on how they say "no dictionary" (absent,
 * 0, or past the data page) and a few wrote a data_page_offset of 0 for a chunk with no data page.
 */
export function columnChunkRange(meta: { dictionary_page_offset?: bigint; data_page_offset: bigint; total_compressed_size: bigint }): {
  start: number;
  end: number;
} {
  const candidates = [meta.dictionary_page_offset, meta.data_page_offset].filter(
    (offset): offset is bigint => offset !== undefined && offset >= 4n,
  );
  const start = candidates.length > 0 ? candidates.reduce((min, offset) => (offset < min ? offset : min)) : meta.data_page_offset;
  return { start: Number(start), end: Number(start + meta.total_compressed_size) };
}
