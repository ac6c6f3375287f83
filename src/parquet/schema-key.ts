/**
 * A footer's schema bytes as a key: files whose keys are equal have the same schema, found by
 * skipping through the thrift (compact protocol) to FileMetaData's field 2 without building the
 * row groups. Thousands of small chunk files usually share one or two schemas.
 */

const STOP = 0;
const TYPE = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 };
const SCHEMA_FIELD = 2;

class Cursor {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw new RangeError('past the end of the footer');
    return this.bytes[this.offset++]!;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.byte();
      // Sizes and lengths fit in 32 bits; larger integers are skipped, never used.
      if (shift < 28) value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
      if (shift > 63) throw new RangeError('varint too long');
    }
  }

  skip(count: number): void {
    if (count < 0 || this.offset + count > this.bytes.length) throw new RangeError('past the end of the footer');
    this.offset += count;
  }
}

/** Skips one value of `type`; `inCollection` because a collection's booleans take a byte, a struct's take none. */
function skipValue(cursor: Cursor, type: number, inCollection: boolean): void {
  switch (type) {
    case TYPE.TRUE:
    case TYPE.FALSE:
      if (inCollection) cursor.skip(1);
      return;
    case TYPE.BYTE:
      cursor.skip(1);
      return;
    case TYPE.I16:
    case TYPE.I32:
    case TYPE.I64:
      cursor.varint();
      return;
    case TYPE.DOUBLE:
      cursor.skip(8);
      return;
    case TYPE.BINARY:
      cursor.skip(cursor.varint());
      return;
    case TYPE.LIST:
    case TYPE.SET: {
      const header = cursor.byte();
      const size = header >> 4 === 15 ? cursor.varint() : header >> 4;
      for (let i = 0; i < size; i++) skipValue(cursor, header & 0x0f, true);
      return;
    }
    case TYPE.MAP: {
      const size = cursor.varint();
      if (size === 0) return;
      const types = cursor.byte();
      for (let i = 0; i < size; i++) {
        skipValue(cursor, types >> 4, true);
        skipValue(cursor, types & 0x0f, true);
      }
      return;
    }
    case TYPE.STRUCT:
      skipStruct(cursor, () => undefined);
      return;
    default:
      throw new RangeError(`unknown thrift type ${type}`);
  }
}

/** Walks a struct's fields; `onField` may consume a field's value itself and return true to end the walk. */
function skipStruct(cursor: Cursor, onField: (id: number, type: number) => boolean | undefined): boolean {
  let id = 0;
  for (;;) {
    const header = cursor.byte();
    const type = header & 0x0f;
    if (type === STOP) return false;
    const delta = header >> 4;
    if (delta === 0) {
      const zigzag = cursor.varint();
      id = (zigzag >>> 1) ^ -(zigzag & 1);
    } else id += delta;
    if (onField(id, type)) return true;
    skipValue(cursor, type, false);
  }
}

/**
 * The schema's bytes as a string, or undefined where the footer does not walk (the full parse
 * then says what is wrong). `metadata` is the FileMetaData struct, without length or magic.
 */
export function schemaKeyOf(metadata: Uint8Array): string | undefined {
  const cursor = new Cursor(metadata);
  let key: string | undefined;
  try {
    skipStruct(cursor, (id, type) => {
      if (id !== SCHEMA_FIELD || type !== TYPE.LIST) return false;
      const start = cursor.offset;
      skipValue(cursor, type, false);
      key = Buffer.from(metadata.buffer, metadata.byteOffset + start, cursor.offset - start).toString('latin1');
      return true;
    });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  return key;
}
