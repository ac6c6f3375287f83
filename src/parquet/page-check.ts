/**
 * Proves a column chunk's pages are well formed before its bytes are copied undecoded. At
 * every level the page headers must tile the chunk exactly, sit inside it, put a dictionary
 * page first, add up to the column's value count (and, where headers say it, the row
 * group's row count), and match their CRC where the writer stored one. With `decode`, every
 * page is also decompressed and its levels read: no page short of levels, none starting a
 * record mid-list, plain values filling their bytes. Corrupt chunk files fail here with
 * their name instead of producing a merged file that crashes readers later.
 */
import { crc32 } from 'node:zlib';
import type { ColumnMetaData, CompressionCodec, PageHeader, SchemaElement } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { decompressors as compressors } from './codecs.js';
import { bitWidthFor, scanLevels } from './levels.js';
import type { SourceFile } from './source-file.js';

export interface LeafShape {
  readonly element: SchemaElement;
  readonly maxRepetition: number;
  readonly maxDefinition: number;
}

const FIXED_WIDTH: Partial<Record<string, number>> = { INT32: 4, INT64: 8, INT96: 12, FLOAT: 4, DOUBLE: 8 };
const HEADER_PROBE = 64 << 10;
/** Pages larger than this once decompressed are checked by their headers only: memory stays bounded. */
const DECODE_LIMIT = 64 << 20;

function valueWidth(element: SchemaElement): number | undefined {
  return element.type === 'FIXED_LEN_BYTE_ARRAY' ? element.type_length : FIXED_WIDTH[element.type ?? ''];
}

function readHeader(source: SourceFile, position: number, end: number): { header: PageHeader; length: number } {
  // Page headers carry statistics and can be long; widen the probe until the header parses.
  for (let probe = Math.min(HEADER_PROBE, end - position); ; probe = Math.min(probe * 4, end - position)) {
    const bytes = source.readAt(position, probe);
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
    try {
      const header = parquetHeader(reader);
      return { header, length: reader.offset };
    } catch (error) {
      if (probe >= end - position) throw new Error(`unreadable page header at byte ${position} (${(error as Error).message})`);
    }
  }
}

/**
 * Walks the column chunk's pages; `emit` (the fast path's copy) receives every byte of the
 * chunk in order, each page as soon as it is read, so the chunk is read once.
 */
export function checkColumnChunk(
  source: SourceFile,
  meta: ColumnMetaData,
  leaf: LeafShape,
  groupRows: number,
  start: number,
  end: number,
  decode: boolean,
  emit?: (bytes: Uint8Array) => void,
): void {
  let position = start;
  let values = 0;
  let records: number | undefined = 0;
  let dictionaryPages = 0;
  let pageIndex = 0;
  while (position < end) {
    const { header, length } = readHeader(source, position, end);
    const payloadStart = position + length;
    const size = header.compressed_page_size;
    checkPageBounds(header, position, payloadStart, end, pageIndex);
    emit?.(source.readAt(position, length));
    const bytes = source.readAt(payloadStart, size);
    checkPagePayload(header, bytes, position, pageIndex);
    emit?.(bytes);
    if (header.type === 'DICTIONARY_PAGE') {
      const count = header.dictionary_page_header!.num_values;
      if (decode && header.uncompressed_page_size <= DECODE_LIMIT) {
        const values = decompressPage(bytes, header.uncompressed_page_size, meta.codec, compressors);
        checkPlainValues(values, 0, values.length, count, leaf.element, true);
      }
      dictionaryPages++;
    } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
      const check =
        !decode || header.uncompressed_page_size > DECODE_LIMIT
          ? checkPageHeaderOnly
          : header.type === 'DATA_PAGE'
            ? checkDataPageV1
            : checkDataPageV2;
      const counts = check(header, bytes, meta.codec, leaf, dictionaryPages > 0);
      values += counts.values;
      records = records === undefined || counts.records === undefined ? undefined : records + counts.records;
    } else if (header.type !== 'INDEX_PAGE') {
      throw new Error(`unknown page type at byte ${position}`);
    }
    position = payloadStart + size;
    pageIndex++;
  }
  if (BigInt(values) !== meta.num_values) throw new Error(`pages hold ${values} values, the column metadata says ${meta.num_values}`);
  if (records !== undefined && records !== groupRows) throw new Error(`holds ${records} rows, its row group has ${groupRows}`);
}

/** The page's payload lies inside its column chunk [.., end). */
export function checkPageBounds(header: PageHeader, position: number, payloadStart: number, end: number, pageIndex: number): void {
  const size = header.compressed_page_size;
  if (!(size >= 0) || !(header.uncompressed_page_size >= 0) || payloadStart + size > end) {
    throw new Error(`page ${pageIndex} at byte ${position} claims ${size} bytes, past the end of the column chunk (${end})`);
  }
}

/** What every verification level proves of a page's payload: its CRC where stored, a dictionary page only first. */
export function checkPagePayload(header: PageHeader, payload: Uint8Array, position: number, pageIndex: number): void {
  // Page checksums are optional; where a writer stored one, it proves the payload bytes themselves.
  if (header.crc !== undefined && (crc32(payload) | 0) !== (header.crc | 0))
    throw new Error(`page at byte ${position} fails its CRC checksum`);
  if (header.type === 'DICTIONARY_PAGE') {
    const count = header.dictionary_page_header?.num_values ?? -1;
    if (pageIndex !== 0 || count < 0) throw new Error(`bad dictionary page at byte ${position} (${count} values, page ${pageIndex})`);
  }
}

interface PageCounts {
  readonly values: number;
  /** Records started in the page; undefined where the deprecated BIT_PACKED levels hide them. */
  readonly records: number | undefined;
}

function checkDataPageV1(
  header: PageHeader,
  compressed: Uint8Array,
  codec: CompressionCodec,
  leaf: LeafShape,
  hasDictionary: boolean,
): PageCounts {
  const page = header.data_page_header;
  const count = page?.num_values ?? -1;
  if (!page || count < 0) throw new Error(`data page with ${count} values`);
  const bytes = decompressPage(compressed, header.uncompressed_page_size, codec, compressors);
  let at = 0;
  let first = 0;
  let records: number | undefined = count;
  if (leaf.maxRepetition > 0) {
    const scan = levelsV1(bytes, at, bitWidthFor(leaf.maxRepetition), count, page.repetition_level_encoding, 0);
    if (scan.max > leaf.maxRepetition) throw new Error(`repetition level ${scan.max} above the schema's ${leaf.maxRepetition}`);
    first = scan.first;
    records = scan.counted;
    at = scan.end;
  }
  let present = count;
  if (leaf.maxDefinition > 0) {
    const scan = levelsV1(bytes, at, bitWidthFor(leaf.maxDefinition), count, page.definition_level_encoding, leaf.maxDefinition);
    if (scan.max > leaf.maxDefinition) throw new Error(`definition level ${scan.max} above the schema's ${leaf.maxDefinition}`);
    present = scan.counted ?? 0;
    at = scan.end;
  }
  if (count > 0 && first !== 0) throw new Error('a page starts in the middle of a record (first repetition level is not 0)');
  checkValues(bytes, at, bytes.length, page.encoding, present, leaf, hasDictionary);
  return { values: count, records };
}

function checkPageHeaderOnly(header: PageHeader, _payload: Uint8Array, _codec: CompressionCodec, leaf: LeafShape): PageCounts {
  const v1 = header.data_page_header;
  const v2 = header.data_page_header_v2;
  const values = v1?.num_values ?? v2?.num_values ?? -1;
  if (values < 0) throw new Error(`data page with ${values} values`);
  checkPlainSizeFromHeader(header, values, leaf);
  return { values, records: v2?.num_rows ?? (leaf.maxRepetition === 0 ? values : undefined) };
}

/**
 * Where the header alone says how many values the page stores (a flat column: required in a
 * v1 page, any in a v2 page, which counts its nulls), plain fixed-width values must fit in
 * the page's uncompressed size: a page cut short is caught without decompressing it.
 */
export function checkPlainSizeFromHeader(header: PageHeader, values: number, leaf: LeafShape): void {
  const v2 = header.data_page_header_v2;
  const encoding = header.data_page_header?.encoding ?? v2?.encoding;
  const width = valueWidth(leaf.element);
  if (encoding !== 'PLAIN' || width === undefined || leaf.maxRepetition > 0) return;
  let present: number;
  let levelBytes = 0;
  if (v2) {
    present = values - v2.num_nulls;
    levelBytes = v2.repetition_levels_byte_length + v2.definition_levels_byte_length;
  } else if (leaf.maxDefinition === 0) present = values;
  else return;
  const needed = present * width;
  if (header.uncompressed_page_size - levelBytes < needed)
    throw new Error(`${present} plain values need ${needed} bytes, the page has ${header.uncompressed_page_size - levelBytes}`);
}

function levelsV1(bytes: Uint8Array, at: number, bitWidth: number, count: number, encoding: string, countValue: number) {
  if (encoding === 'BIT_PACKED') {
    const length = Math.ceil((count * bitWidth) / 8);
    if (at + length > bytes.length) throw new Error('bit-packed levels run past the page');
    // Deprecated encoding, written only by very old writers: bounds are all we check.
    return { end: at + length, first: 0, max: 0, counted: undefined };
  }
  if (at + 4 > bytes.length) throw new Error('levels length runs past the page');
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
  if (at + 4 + length > bytes.length) throw new Error(`levels claim ${length} bytes, past the end of the page`);
  const scan = scanLevels(bytes, at + 4, at + 4 + length, bitWidth, count, countValue);
  return { ...scan, end: at + 4 + length };
}

function checkDataPageV2(
  header: PageHeader,
  compressed: Uint8Array,
  codec: CompressionCodec,
  leaf: LeafShape,
  hasDictionary: boolean,
): PageCounts {
  const page = header.data_page_header_v2;
  if (!page) throw new Error('data page v2 without its header');
  const { num_values: count, num_nulls: nulls, num_rows: rows } = page;
  const repLength = page.repetition_levels_byte_length;
  const defLength = page.definition_levels_byte_length;
  if (
    !(count >= 0 && nulls >= 0 && nulls <= count && rows >= 0 && repLength >= 0 && defLength >= 0) ||
    repLength + defLength > compressed.length
  ) {
    throw new Error(
      `data page v2 header is inconsistent (values ${count}, nulls ${nulls}, rows ${rows}, level bytes ${repLength}+${defLength})`,
    );
  }
  if (leaf.maxDefinition === 0 && nulls > 0) throw new Error(`${nulls} nulls in a required column`);
  if (leaf.maxRepetition > 0) {
    const scan = scanLevels(compressed, 0, repLength, bitWidthFor(leaf.maxRepetition), count, 0);
    if (scan.max > leaf.maxRepetition) throw new Error(`repetition level ${scan.max} above the schema's ${leaf.maxRepetition}`);
    if (count > 0 && scan.first !== 0) throw new Error('a page starts in the middle of a record (first repetition level is not 0)');
    if (scan.counted !== rows) throw new Error(`page v2 says ${rows} rows, its levels start ${scan.counted} records`);
  }
  if (leaf.maxDefinition > 0) {
    const scan = scanLevels(compressed, repLength, repLength + defLength, bitWidthFor(leaf.maxDefinition), count, leaf.maxDefinition);
    if (scan.max > leaf.maxDefinition) throw new Error(`definition level ${scan.max} above the schema's ${leaf.maxDefinition}`);
    if (count - scan.counted !== nulls) throw new Error(`page v2 says ${nulls} nulls, its levels have ${count - scan.counted}`);
  }
  const levelBytes = repLength + defLength;
  const dataSize = header.uncompressed_page_size - levelBytes;
  const data = compressed.subarray(levelBytes);
  const bytes = page.is_compressed === false || dataSize === 0 ? data : decompressPage(data, dataSize, codec, compressors);
  checkValues(bytes, 0, bytes.length, page.encoding, count - nulls, leaf, hasDictionary);
  return { values: count, records: rows };
}

/** The start of the values: a sane dictionary index width, or enough bytes for fixed-width plain values. */
function checkValues(
  bytes: Uint8Array,
  at: number,
  end: number,
  encoding: string,
  present: number,
  leaf: LeafShape,
  hasDictionary: boolean,
): void {
  if (encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY') {
    if (!hasDictionary) throw new Error('dictionary-encoded page without a dictionary page');
    if (present > 0 && (at >= end || bytes[at]! > 32)) throw new Error(`dictionary index bit width ${bytes[at] ?? 'missing'} (at most 32)`);
  } else if (encoding === 'PLAIN') {
    checkPlainValues(bytes, at, end, present, leaf.element, false);
  }
}

/** Plain values fill their bytes: fixed widths need count x width, byte arrays' length prefixes stay inside. */
function checkPlainValues(bytes: Uint8Array, at: number, end: number, count: number, element: SchemaElement, exact: boolean): void {
  if (element.type === 'BYTE_ARRAY') {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let position = at;
    for (let i = 0; i < count; i++) {
      if (position + 4 > end) throw new Error(`byte array ${i} of ${count} runs past the page`);
      position += 4 + view.getUint32(position, true);
    }
    if (position > end || (exact && position !== end))
      throw new Error(`${count} byte arrays take ${position - at} bytes, the page has ${end - at}`);
    return;
  }
  const width = valueWidth(element);
  const needed = element.type === 'BOOLEAN' ? Math.ceil(count / 8) : width === undefined ? 0 : count * width;
  if (end - at < needed) throw new Error(`${count} plain values need ${needed} bytes, the page has ${end - at}`);
}
