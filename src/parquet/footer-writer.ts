/** The merged file's footer: copied row groups (raw thrift, offsets shifted) and re-encoded ones, in one FileMetaData. */
import type { KeyValue, RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import type { RawThrift } from './footer.js';
import { serializeRawStruct, ThriftByte } from './thrift.js';
import type { OutputFile } from './output-file.js';

const MAGIC = 0x31524150;

/** What hyparquet-writer would store for this schema and these row groups, as raw thrift. */
export function rawFooterOf(schema: SchemaElement[], rowGroups: RowGroup[]): RawThrift {
  const bytes = new ByteWriter();
  const numRows = rowGroups.reduce((sum, group) => sum + group.num_rows, 0n);
  writeMetadata(bytes, { version: 2, schema, num_rows: numRows, row_groups: rowGroups, metadata_length: 0 } as Parameters<
    typeof writeMetadata
  >[1]);
  const view = new DataView(bytes.getBuffer());
  return deserializeTCompactProtocol({ view, offset: 0 });
}

export interface FooterParts {
  /** Raw schema elements (field 2 of FileMetaData) and column orders (field 7). */
  readonly schema: unknown[];
  readonly columnOrders: unknown[] | undefined;
  readonly rowGroups: RawThrift[];
  readonly keyValues: KeyValue[];
  readonly createdBy: string;
}

/** The one i8 in a footer: IntType.bitWidth, inside SchemaElement.logicalType (field 10, INTEGER is 10). */
function withTypedIntegers(schema: unknown[]): unknown[] {
  return schema.map((element) => {
    const raw = element as RawThrift;
    const integer = raw.field_10?.field_10 as RawThrift | undefined;
    if (!integer || typeof integer.field_1 !== 'number') return raw;
    return { ...raw, field_10: { ...raw.field_10, field_10: { ...integer, field_1: new ThriftByte(integer.field_1) } } };
  });
}

export function writeFooter(out: OutputFile, parts: FooterParts): void {
  const numRows = parts.rowGroups.reduce((sum, group) => sum + (group.field_3 as bigint), 0n);
  const bytes = serializeRawStruct({
    field_1: 2,
    field_2: withTypedIntegers(parts.schema),
    field_3: numRows,
    field_4: parts.rowGroups,
    field_5: parts.keyValues.map((pair) => ({ field_1: pair.key, field_2: pair.value })),
    field_6: parts.createdBy,
    field_7: parts.columnOrders,
  });
  out.appendBytes(bytes);
  out.appendUint32(bytes.length);
  out.appendUint32(MAGIC);
}
