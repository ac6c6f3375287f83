/**
 * Row groups re-encoded at the level Parquet stores them: each leaf column's definition and
 * repetition levels and its values, never assembled into rows. Small row groups of the
 * target's own shape are gathered this way, which skips the reader's row assembly and the
 * writer's Dremel shredding: a row-level re-encode pays both for every value. The pages are
 * decoded and written by hyparquet's and hyparquet-writer's own page and column functions
 * (both packages pinned to exact versions for these internal modules).
 */
import type { ColumnMetaData, SchemaElement } from 'hyparquet';
import type { ParquetWriter } from 'hyparquet-writer';
import { parquetHeader } from 'hyparquet/src/column.js';
import { convert, convertWithDictionary, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { writeColumn } from 'hyparquet-writer/src/column.js';
import { DataError, errorMessage } from '../core/errors.js';
import { decompressors } from './codecs.js';
import { columnChecksOf, pathKey, runColumnCheck } from './column-checks.js';
import { columnChunkRange } from './footer.js';
import { checkPageBounds, checkPagePayload, checkPlainSizeFromHeader } from './page-check.js';
import type { ParquetSource } from './parquet-source.js';
import { leafColumnsOf, type LeafColumn } from './schema.js';
import { SourceFile } from './source-file.js';
import { withRoom } from './grow.js';

/** A written row group's pages: about this many bytes of values each (typed columns' too). */
export const PAGE_BYTES = 1 << 20;

/** Keep values as stored, so they are written back exactly. */
export const RAW_PARSERS = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
  dateFromDays: (value: number) => value,
  stringFromBytes: (bytes: Uint8Array) => bytes,
};

/** Levels (nesting depths) appended one at a time to a growing typed array: no boxed array elements to collect. */
export class LevelList {
  private levels = new Uint16Array(256);
  length = 0;

  push(level: number): void {
    if (this.length === this.levels.length) this.levels = withRoom(this.levels, this.length, this.length + 1);
    this.levels[this.length++] = level;
  }

  /** Levels read elsewhere (the JSONL WebAssembly row reader), appended as they are. */
  append(levels: Uint16Array): void {
    if (this.length + levels.length > this.levels.length) this.levels = withRoom(this.levels, this.length, this.length + levels.length);
    this.levels.set(levels, this.length);
    this.length += levels.length;
  }

  /** Drops the levels past the first `length` (a row taken back). */
  truncate(length: number): void {
    this.length = length;
  }

  /** The levels so far, without a copy. */
  view(): Uint16Array {
    return this.levels.subarray(0, this.length);
  }
}

/** One leaf column's gathered values: a level per value slot, and a value (null where undefined) per slot. */
export interface LeafValues {
  readonly values: unknown[];
  /** Empty when the column's maximum definition level is 0. */
  readonly definitionLevels: LevelList;
  /** Empty when the column's maximum repetition level is 0. */
  readonly repetitionLevels: LevelList;
}

export const emptyLeaves = (count: number): LeafValues[] =>
  Array.from({ length: count }, () => ({ values: [], definitionLevels: new LevelList(), repetitionLevels: new LevelList() }));

/**
 * Appends the row group's leaf columns to `into` (in the order of `targetLeaves`, the target's). The source must have the target's shape. Its pages are checked first at the
 * merge's verification level, as a row-level decode checks them: the header level's checks
 * as each page is decoded, the pages level's by its own walk first.
 */
export function appendLeafColumns(
  source: ParquetSource,
  groupIndex: number,
  decodeChecks: boolean,
  targetLeaves: readonly LeafColumn[],
  into: readonly LeafValues[],
): void {
  const group = source.footer.metadata.row_groups[groupIndex]!;
  const rows = Number(group.num_rows);
  const sourceLeaves = leafColumnsOf(source.tree).byKey;
  const input = SourceFile.of(source);
  try {
    // Decoding below proves what the header level does (bounds, CRCs, counts); the pages level checks levels and values too.
    if (decodeChecks) for (const check of columnChecksOf(source, true, [groupIndex])) runColumnCheck(input, check);
    const chunks = new Map(group.columns.map((column) => [pathKey(column.meta_data!.path_in_schema), column.meta_data!]));
    targetLeaves.forEach(({ path }, index) => {
      const key = pathKey(path);
      const meta = chunks.get(key);
      const leaf = sourceLeaves.get(key);
      if (!meta || !leaf) throw new DataError(`${source.file} has no column ${path.join('.')} in row group ${groupIndex}`);
      try {
        appendColumnChunk(input, meta, leaf, rows, into[index]!);
      } catch (error) {
        if (error instanceof DataError) throw error;
        throw new DataError(`${source.file} is corrupt: column ${path.join('.')} of row group ${groupIndex}: ${errorMessage(error)}`);
      }
    });
  } finally {
    input.close();
  }
}

const PARSERS = { ...DEFAULT_PARSERS, ...RAW_PARSERS };

/** A leaf column's root-to-leaf path as hyparquet's page decoders take it, made once per column of a schema tree. */
const decoderPaths = new WeakMap<LeafColumn, { element: SchemaElement; children: never[]; count: number; path: string[] }[]>();

function decoderPathOf(leaf: LeafColumn) {
  let decoderPath = decoderPaths.get(leaf);
  if (!decoderPath) decoderPaths.set(leaf, (decoderPath = leaf.elements.map((element) => ({ element, children: [], count: 1, path: [] }))));
  return decoderPath;
}

function appendColumnChunk(input: SourceFile, meta: ColumnMetaData, leaf: LeafColumn, rows: number, into: LeafValues): void {
  const { maxRepetition, maxDefinition } = leaf;
  let records = 0;
  forEachDataPage(input, meta, leaf, ({ count, values, definitionLevels, repetitionLevels }) => {
    records += appendPage(into, count, values, definitionLevels, repetitionLevels, maxDefinition, maxRepetition);
  });
  if (records !== rows) throw new Error(`holds ${records} rows, its row group has ${rows}`);
}

/** A data page decoded: `count` value slots, their levels, and the present values (a dictionary's looked up). */
export interface DecodedPage {
  readonly count: number;
  readonly values: ArrayLike<unknown>;
  /** Empty where the page has no nulls (every level the maximum) or the column has no definition levels. */
  readonly definitionLevels: ArrayLike<number>;
  readonly repetitionLevels: ArrayLike<number>;
}

/**
 * Decodes a leaf column chunk's pages in order, values as stored (RAW_PARSERS), and hands each
 * data page to `visit`. The header level's checks are made as the pages pass (bounds, CRCs,
 * dictionary first and indexes inside it, plain sizes), and the pages' slots must add up to the
 * column metadata's count; a failure throws a plain Error for the caller to name the file in.
 */
export function forEachDataPage(input: SourceFile, meta: ColumnMetaData, leaf: LeafColumn, visit: (page: DecodedPage) => void): void {
  const { start, end } = columnChunkRange(meta);
  const bytes = input.readAt(start, end - start);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const { element, maxRepetition, maxDefinition } = leaf;
  const decoder = {
    pathInSchema: meta.path_in_schema,
    element,
    schemaPath: decoderPathOf(leaf),
    type: meta.type,
    codec: meta.codec,
    compressors: decompressors,
    parsers: PARSERS,
    utf8: false,
  };
  let dictionary: ReturnType<typeof convert> | undefined;
  let slots = 0;
  for (let pageIndex = 0; reader.offset < bytes.length; pageIndex++) {
    const position = start + reader.offset;
    const header = parquetHeader(reader);
    checkPageBounds(header, position, start + reader.offset, end, pageIndex);
    const compressed = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    checkPagePayload(header, compressed, position, pageIndex);
    if (header.type === 'DICTIONARY_PAGE') {
      // Its values (byte arrays among them) are views of the page: never of the read window, which the next column refills.
      const page = ownBytes(decompressPage(compressed, header.uncompressed_page_size, meta.codec, decompressors), bytes);
      const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      dictionary = convert(readPlain(pageReader, meta.type, header.dictionary_page_header!.num_values, element.type_length), decoder);
      continue;
    }
    let encoding: string;
    let page;
    if (header.type === 'INDEX_PAGE') continue;
    if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') throw new Error(`unknown page type at byte ${position}`);
    const v2 = header.data_page_header_v2;
    const count = header.data_page_header?.num_values ?? v2?.num_values ?? -1;
    if (!(count >= 0)) throw new Error(`data page with ${count} values`);
    checkPlainSizeFromHeader(header, count, { element, maxRepetition, maxDefinition });
    if (header.type === 'DATA_PAGE') {
      const daph = header.data_page_header!;
      encoding = daph.encoding;
      page = readDataPage(
        ownBytes(decompressPage(compressed, header.uncompressed_page_size, meta.codec, decompressors), bytes),
        daph,
        decoder,
      );
    } else {
      if (!v2) throw new Error('data page v2 without its header');
      encoding = v2.encoding;
      page = readDataPageV2(ownBytes(compressed, bytes), header, decoder);
    }
    if (encoding.endsWith('_DICTIONARY')) checkDictionaryIndexes(page.dataPage as ArrayLike<number>, dictionary);
    const values = convertWithDictionary(page.dataPage, dictionary, encoding as never, decoder) as ArrayLike<unknown>;
    visit({ count, values, definitionLevels: page.definitionLevels ?? [], repetitionLevels: page.repetitionLevels });
    slots += count;
  }
  if (BigInt(slots) !== meta.num_values) throw new Error(`pages hold ${slots} values, the column metadata says ${meta.num_values}`);
}

/**
 * A page's bytes in a buffer of their own: hyparquet reads fixed-width values through typed
 * arrays over the page's buffer, which past a short page's end would be the next bytes of the
 * file, not an error.
 */
function ownBytes(page: Uint8Array, file: Uint8Array): Uint8Array {
  // Not page.slice(): on a Buffer (the read window's bytes are one) that is a view, not a copy.
  return page.buffer === file.buffer ? Uint8Array.prototype.slice.call(page) : page;
}

/**
 * Every index inside the dictionary: hyparquet's lookup would give undefined past its end (0 or
 * NaN in a typed array), and without a dictionary it would hand on the indexes as the values.
 */
function checkDictionaryIndexes(indexes: ArrayLike<number>, dictionary: ArrayLike<unknown> | undefined): void {
  if (!dictionary) throw new Error('dictionary-encoded page without a dictionary page');
  for (let i = 0; i < indexes.length; i++) {
    const index = indexes[i]!;
    if (!(index >= 0 && index < dictionary.length))
      throw new Error(`dictionary index ${index} is past the dictionary's ${dictionary.length} values`);
  }
}

/** Appends one page's levels and values (present values only, in order); returns the records it started. */
function appendPage(
  into: LeafValues,
  count: number,
  present: ArrayLike<unknown>,
  definitionLevels: ArrayLike<number>,
  repetitionLevels: ArrayLike<number>,
  maxDefinition: number,
  maxRepetition: number,
): number {
  let records = count;
  // hyparquet may decode a last run past the page's values: only the first `count` levels count.
  if (maxRepetition > 0) {
    if (repetitionLevels.length < count) throw new Error(`page has ${repetitionLevels.length} repetition levels for ${count} values`);
    if (count > 0 && repetitionLevels[0] !== 0)
      throw new Error('a page starts in the middle of a record (first repetition level is not 0)');
    records = 0;
    for (let i = 0; i < count; i++) {
      const level = repetitionLevels[i]!;
      if (level > maxRepetition) throw new Error(`repetition level ${level} above the schema's ${maxRepetition}`);
      if (level === 0) records++;
      into.repetitionLevels.push(level);
    }
  }
  let next = 0;
  if (maxDefinition > 0 && definitionLevels.length > 0) {
    if (definitionLevels.length < count) throw new Error(`page has ${definitionLevels.length} definition levels for ${count} values`);
    for (let i = 0; i < count; i++) {
      const level = definitionLevels[i]!;
      if (level > maxDefinition) throw new Error(`definition level ${level} above the schema's ${maxDefinition}`);
      into.definitionLevels.push(level);
      into.values.push(level === maxDefinition ? present[next++] : null);
    }
  } else {
    // hyparquet leaves out the definition levels of a page without nulls: every one is the maximum.
    for (let i = 0; i < count; i++) {
      if (maxDefinition > 0) into.definitionLevels.push(maxDefinition);
      into.values.push(present[next++]);
    }
  }
  if (next !== present.length) throw new Error(`page has ${present.length} values for ${next} defined slots`);
  return records;
}

/** A column chunk as hyparquet-writer's row groups hold it. */
export type WrittenChunk = ParquetWriter['row_groups'][number]['columns'][number];

// hyparquet-writer pins an older hyparquet whose LogicalType lacks FILE; the shapes are otherwise one.
type WriterElement = Parameters<typeof writeColumn>[0]['column']['element'];

/** Writes gathered leaf columns as one row group of `rows` rows, as ParquetWriter.write writes one (same defaults). */
export function writeLeafRowGroup(
  writer: ParquetWriter,
  leafColumns: readonly LeafColumn[],
  leaves: readonly LeafValues[],
  rows: number,
): void {
  const groupStart = writer.writer.offset;
  const columns = leafColumns.map(({ path, elements, element, maxDefinition }, index) => {
    const leaf = leaves[index]!;
    const result = writeColumn({
      writer: writer.writer,
      column: {
        columnName: path.join('.'),
        element: element as WriterElement,
        schemaPath: elements as WriterElement[],
        codec: writer.codec,
        compressors: writer.compressors,
        stats: writer.statistics,
        statisticsTruncateLength: writer.statisticsTruncateLength,
        pageSize: PAGE_BYTES,
        columnIndex: false,
        offsetIndex: true,
      },
      pageData: {
        values: leaf.values as never,
        // hyparquet-writer reads levels by index, length and slice: typed arrays serve as well as arrays.
        definitionLevels: leaf.definitionLevels.view() as unknown as number[],
        repetitionLevels: leaf.repetitionLevels.view() as unknown as number[],
        maxDefinitionLevel: maxDefinition,
      },
    });
    writer.pendingIndexes.push(result);
    return result.chunk;
  });
  addRowGroup(writer, columns, rows, groupStart);
}

/** Records a row group whose column chunks were written from `groupStart`, as ParquetWriter.write records one. */
export function addRowGroup(writer: ParquetWriter, columns: WrittenChunk[], rows: number, groupStart: number): void {
  let totalByteSize = 0n;
  for (const { meta_data } of columns) totalByteSize += meta_data?.total_uncompressed_size ?? 0n;
  writer.num_rows += BigInt(rows);
  writer.row_groups.push({
    columns,
    total_byte_size: totalByteSize,
    num_rows: BigInt(rows),
    total_compressed_size: BigInt(writer.writer.offset - groupStart),
  });
}
