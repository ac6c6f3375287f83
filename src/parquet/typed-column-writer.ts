/**
 * Typed leaf columns (typed-leaves.ts) written as a row group: data pages (v2) whose values are
 * slices of the gathered buffers (PLAIN), or their indexes in a dictionary page where one pays
 * (a column of few distinct values: labels, buckets, rounded scores), levels run-length encoded
 * as hyparquet-writer's own encoder writes them (levels.ts), the column chunk metadata and offset index as
 * hyparquet-writer's writeColumn makes them. Its page cuts, dictionary rule and statistics are
 * redone here (and in typed-leaves.ts) on purpose: hyparquet-writer's (0.17.0, pinned) take
 * JavaScript values, which is what the typed buffers avoid. One difference: a dictionary of one
 * value gets indexes of bit width 1, where hyparquet-writer writes width 0; readers take both.
 */
import type { ParquetWriter } from 'hyparquet-writer';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';

type OffsetIndex = NonNullable<ParquetWriter['pendingIndexes'][number]['offsetIndex']>;
import { addRowGroup, PAGE_BYTES, type LevelList, type WrittenChunk } from './leaf-columns.js';
import { bitWidthFor, encodeLevels, pageCuts } from './levels.js';
import type { LeafColumn } from './schema.js';
import type { PresentValues } from './present-values.js';
import { dictionaryOf } from './dictionary-values.js';
import type { TypedLeaf } from './typed-leaves.js';

interface Page {
  /** Value slots [slotStart, slotEnd) and present values [valueStart, valueEnd). */
  readonly slotStart: number;
  readonly slotEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  /** Rows starting in the page (all of its rows: a page starts at a row). */
  readonly rows: number;
}

/**
 * Pages of about PAGE_BYTES of values, each starting at a row (repetition level 0), as data page
 * v2 requires (levels.ts cuts them).
 */
function pagesOf(leaf: TypedLeaf, slots: number, maxDefinition: number): Page[] {
  const { values } = leaf;
  const cuts = pageCuts({
    slots,
    definitions: leaf.definitionLevels.view(),
    repetitions: leaf.repetitionLevels.view(),
    maxDefinition,
    width: values.fixedWidth,
    ends: values.textEnds(),
    endByte: (index) => values.endByte(index),
    pageBytes: PAGE_BYTES,
  });
  return pagesFromCuts(cuts, values.count);
}

/** Pages from pageCuts' three numbers a page (slots' end, values' end, rows). */
function pagesFromCuts(cuts: Uint32Array, count: number): Page[] {
  const pages: Page[] = [];
  let slotStart = 0;
  let valueStart = 0;
  for (let at = 0; at < cuts.length; at += 3) {
    const slotEnd = cuts[at]!;
    const valueEnd = cuts[at + 1]!;
    pages.push({ slotStart, slotEnd, valueStart, valueEnd, rows: cuts[at + 2]! });
    slotStart = slotEnd;
    valueStart = valueEnd;
  }
  if (valueStart !== count) throw new Error(`levels say ${valueStart} values are present, ${count} were gathered`);
  return pages;
}

/** A column chunk's values as indexes into its dictionary page, and how many bits each index takes. */
interface DictionaryIndexes {
  readonly indexes: Int32Array;
  readonly bitWidth: number;
}

/** A page's bytes compressed with the file's codec (or as they are, without one). */
function stored(parquet: ParquetWriter, bytes: Uint8Array): Uint8Array {
  const compress = parquet.compressors[parquet.codec];
  return compress ? compress(bytes) : bytes;
}

/** Writes the dictionary page; returns its uncompressed size, header included. */
function writeDictionaryPage(parquet: ParquetWriter, values: PresentValues): number {
  const plain = values.plain(0, values.count);
  const compressed = stored(parquet, plain);
  const out = parquet.writer;
  const headerStart = out.offset;
  writePageHeader(out, {
    type: 'DICTIONARY_PAGE',
    uncompressed_page_size: plain.length,
    compressed_page_size: compressed.length,
    dictionary_page_header: { num_values: values.count, encoding: 'PLAIN' },
  } as Parameters<typeof writePageHeader>[1]);
  const headerSize = out.offset - headerStart;
  out.appendBytes(compressed);
  return headerSize + plain.length;
}

/** Dictionary indexes of values [from, to) as RLE_DICTIONARY stores them: the bit width, then the run-length/bit-packed hybrid. */
function indexBytes({ indexes, bitWidth }: DictionaryIndexes, from: number, to: number): Uint8Array {
  const page = new ByteWriter();
  page.appendUint8(bitWidth);
  writeRleBitPackedHybrid(page, indexes.subarray(from, to) as unknown as number[], bitWidth);
  return page.getBytes();
}

/** Writes one page; returns its uncompressed size, header included (as writeDataPageV2 counts it). */
function writePage(parquet: ParquetWriter, leafColumn: LeafColumn, leaf: TypedLeaf, page: Page, dictionary?: DictionaryIndexes): number {
  const { maxDefinition, maxRepetition } = leafColumn;
  const { slotStart, slotEnd, valueStart, valueEnd } = page;
  const encoded = (levels: LevelList, max: number) =>
    max > 0 ? encodeLevels(levels.view().subarray(slotStart, slotEnd), bitWidthFor(max)) : new Uint8Array(0);
  const repetitions = encoded(leaf.repetitionLevels, maxRepetition);
  const definitions = encoded(leaf.definitionLevels, maxDefinition);
  const levelBytes = repetitions.length + definitions.length;
  const values = dictionary ? indexBytes(dictionary, valueStart, valueEnd) : leaf.values.plain(valueStart, valueEnd);
  const compressed = stored(parquet, values);
  const out = parquet.writer;
  const headerStart = out.offset;
  writePageHeader(out, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: levelBytes + values.length,
    compressed_page_size: levelBytes + compressed.length,
    data_page_header_v2: {
      num_values: slotEnd - slotStart,
      num_nulls: slotEnd - slotStart - (valueEnd - valueStart),
      num_rows: page.rows,
      encoding: dictionary ? 'RLE_DICTIONARY' : 'PLAIN',
      definition_levels_byte_length: definitions.length,
      repetition_levels_byte_length: repetitions.length,
      is_compressed: parquet.compressors[parquet.codec] !== undefined,
    },
  } as Parameters<typeof writePageHeader>[1]);
  const headerSize = out.offset - headerStart;
  out.appendBytes(repetitions);
  out.appendBytes(definitions);
  out.appendBytes(compressed);
  return headerSize + levelBytes + values.length;
}

/** Writes one leaf column's chunk at the writer's offset; returns it with its offset index (pages > 1, as writeColumn). */
function writeTypedColumn(
  parquet: ParquetWriter,
  leafColumn: LeafColumn,
  leaf: TypedLeaf,
  rows: number,
): { chunk: WrittenChunk; offsetIndex?: OffsetIndex } {
  const { maxDefinition, maxRepetition } = leafColumn;
  const slots = maxDefinition > 0 ? leaf.definitionLevels.length : leaf.values.count;
  if (maxRepetition === 0 && slots !== rows) throw new Error(`column ${leafColumn.path.join('.')} has ${slots} values for ${rows} rows`);
  const pages = pagesOf(leaf, slots, maxDefinition);
  const start = parquet.writer.offset;
  const locations: OffsetIndex['page_locations'] = [];
  let uncompressed = 0;
  const dictionary = dictionaryOf(leaf.values);
  let indexes: DictionaryIndexes | undefined;
  if (dictionary) {
    uncompressed += writeDictionaryPage(parquet, dictionary.values);
    indexes = { indexes: dictionary.indexes, bitWidth: Math.max(1, bitWidthFor(dictionary.values.count - 1)) };
  }
  const dataStart = parquet.writer.offset;
  let firstRow = 0;
  for (const page of pages) {
    const offset = parquet.writer.offset;
    uncompressed += writePage(parquet, leafColumn, leaf, page, indexes);
    const location = { offset: BigInt(offset), compressed_page_size: parquet.writer.offset - offset, first_row_index: BigInt(firstRow) };
    locations.push(location);
    firstRow += page.rows;
  }
  const stats = parquet.statistics;
  const chunk: WrittenChunk = {
    file_offset: BigInt(start),
    meta_data: {
      type: leafColumn.element.type!,
      encodings: dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : ['PLAIN'],
      path_in_schema: [...leafColumn.path],
      codec: parquet.compressors[parquet.codec] ? parquet.codec : 'UNCOMPRESSED',
      num_values: BigInt(slots),
      total_compressed_size: BigInt(parquet.writer.offset - start),
      total_uncompressed_size: BigInt(uncompressed),
      data_page_offset: BigInt(dataStart),
      dictionary_page_offset: dictionary ? BigInt(start) : undefined,
      statistics: stats ? { ...leaf.values.statistics(), null_count: BigInt(slots - leaf.values.count) } : undefined,
      encoding_stats: stats
        ? [
            ...(dictionary ? [{ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 }] : []),
            { page_type: 'DATA_PAGE_V2', encoding: dictionary ? 'RLE_DICTIONARY' : 'PLAIN', count: pages.length },
          ]
        : undefined,
    } as WrittenChunk['meta_data'],
  };
  return { chunk, offsetIndex: pages.length > 1 ? { page_locations: locations } : undefined };
}

/** Writes typed leaf columns as one row group of `rows` rows (as writeLeafRowGroup does the general ones). */
export function writeTypedRowGroup(
  parquet: ParquetWriter,
  leafColumns: readonly LeafColumn[],
  leaves: readonly TypedLeaf[],
  rows: number,
): void {
  const groupStart = parquet.writer.offset;
  const columns = leafColumns.map((leafColumn, index) => {
    const result = writeTypedColumn(parquet, leafColumn, leaves[index]!, rows);
    parquet.pendingIndexes.push(result as ParquetWriter['pendingIndexes'][number]);
    return result.chunk;
  });
  addRowGroup(parquet, columns, rows, groupStart);
}
