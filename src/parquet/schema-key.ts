/**
 * A footer's schema bytes as a key: files whose keys are equal have the same schema, found by
 * skipping through the thrift (compact protocol) to FileMetaData's field 2 without building the
 * row groups. Thousands of small chunk files usually share one or two schemas.
 */
import { readVarInt, readZigZag } from 'hyparquet/src/thrift.js';

const STOP = 0;
// The compact protocol's types a footer holds (it has no maps or sets).
const TYPE = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, STRUCT: 12 };
const SCHEMA_FIELD = 2;

/** hyparquet's reader shape: DataView reads past the end throw a RangeError, which ends the walk. */
interface Reader {
  view: DataView;
  offset: number;
}

function skip(reader: Reader, count: number): void {
  if (reader.offset + count > reader.view.byteLength) throw new RangeError('past the end of the footer');
  reader.offset += count;
}

/** Skips one value of `type`; `inList` because a list's booleans take a byte, a struct's take none. */
function skipValue(reader: Reader, type: number, inList: boolean): void {
  switch (type) {
    case TYPE.TRUE:
    case TYPE.FALSE:
      if (inList) skip(reader, 1);
      return;
    case TYPE.BYTE:
      skip(reader, 1);
      return;
    case TYPE.I16:
    case TYPE.I32:
    case TYPE.I64:
      while (reader.view.getUint8(reader.offset++) & 0x80);
      return;
    case TYPE.DOUBLE:
      skip(reader, 8);
      return;
    case TYPE.BINARY:
      skip(reader, readVarInt(reader));
      return;
    case TYPE.LIST: {
      const header = reader.view.getUint8(reader.offset++);
      const size = header >> 4 === 15 ? readVarInt(reader) : header >> 4;
      for (let i = 0; i < size; i++) skipValue(reader, header & 0x0f, true);
      return;
    }
    case TYPE.STRUCT:
      skipStruct(reader, () => false);
      return;
    default:
      throw new RangeError(`thrift type ${type} has no place in a Parquet footer`);
  }
}

/** Walks a struct's fields; `onField` may consume a field's value itself and return true to end the walk. */
function skipStruct(reader: Reader, onField: (id: number, type: number) => boolean): boolean {
  let id = 0;
  for (;;) {
    const header = reader.view.getUint8(reader.offset++);
    const type = header & 0x0f;
    if (type === STOP) return false;
    const delta = header >> 4;
    if (delta === 0) id = readZigZag(reader);
    else id += delta;
    if (onField(id, type)) return true;
    skipValue(reader, type, false);
  }
}

/**
 * The schema's bytes as a string, or undefined where the footer does not walk (the full parse
 * then says what is wrong). `metadata` is the FileMetaData struct, without length or magic.
 */
export function schemaKeyOf(metadata: Uint8Array): string | undefined {
  const reader: Reader = { view: new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength), offset: 0 };
  let key: string | undefined;
  try {
    skipStruct(reader, (id, type) => {
      if (id !== SCHEMA_FIELD || type !== TYPE.LIST) return false;
      const start = reader.offset;
      skipValue(reader, type, false);
      key = Buffer.from(metadata.buffer, metadata.byteOffset + start, reader.offset - start).toString('latin1');
      return true;
    });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  return key;
}
