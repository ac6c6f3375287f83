/**
 * Thrift compact serialization of raw `{ field_N: value }` structs, as hyparquet's reader
 * returns them: lets a footer be re-emitted with only its offsets changed.
 */
import type { RawThrift } from './footer.js';

const TYPE = { TRUE: 1, FALSE: 2, BYTE: 3, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

/** An i8 field. Raw structs lose the width of their integers; readers reject an i8 sent as i32. */
export class ThriftByte {
  constructor(readonly value: number) {}
}

class Bytes {
  private buffer = Buffer.allocUnsafe(1 << 16);
  length = 0;

  private room(size: number): void {
    if (this.length + size <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + size));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  byte(value: number): void {
    this.room(1);
    this.buffer[this.length++] = value;
  }

  varint(value: bigint): void {
    let rest = value;
    while (rest >= 0x80n) {
      this.byte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.byte(Number(rest));
  }

  zigzag(value: bigint): void {
    this.varint(value >= 0n ? value << 1n : (-value << 1n) - 1n);
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  double(value: number): void {
    this.room(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

function typeOf(value: unknown): number {
  if (value instanceof ThriftByte) return TYPE.BYTE;
  if (value === true) return TYPE.TRUE;
  if (value === false) return TYPE.FALSE;
  if (typeof value === 'bigint') return TYPE.I64;
  if (typeof value === 'number') return Number.isInteger(value) ? TYPE.I32 : TYPE.DOUBLE;
  if (typeof value === 'string' || value instanceof Uint8Array) return TYPE.BINARY;
  if (Array.isArray(value)) return TYPE.LIST;
  if (value && typeof value === 'object') return TYPE.STRUCT;
  throw new Error(`cannot serialize ${String(value)} as thrift`);
}

function writeValue(out: Bytes, type: number, value: unknown): void {
  switch (type) {
    case TYPE.TRUE:
    case TYPE.FALSE:
      return;
    case TYPE.BYTE:
      out.byte((value as ThriftByte).value & 0xff);
      return;
    case TYPE.I32:
      out.zigzag(BigInt(value as number));
      return;
    case TYPE.I64:
      out.zigzag(value as bigint);
      return;
    case TYPE.DOUBLE:
      out.double(value as number);
      return;
    case TYPE.BINARY: {
      const bytes = typeof value === 'string' ? Buffer.from(value) : (value as Uint8Array);
      out.varint(BigInt(bytes.length));
      out.raw(bytes);
      return;
    }
    case TYPE.LIST: {
      const items = value as unknown[];
      // An empty list still needs an element type; STRUCT is as good as any, nothing follows it.
      let elementType = items.length > 0 ? typeOf(items[0]) : TYPE.STRUCT;
      if (elementType === TYPE.TRUE) elementType = TYPE.FALSE;
      if (items.length < 15) out.byte((items.length << 4) | elementType);
      else {
        out.byte(0xf0 | elementType);
        out.varint(BigInt(items.length));
      }
      for (const item of items) {
        if (elementType === TYPE.FALSE) out.byte(item ? 1 : 0);
        else writeValue(out, elementType, item);
      }
      return;
    }
    case TYPE.STRUCT:
      writeStruct(out, value as RawThrift);
      return;
  }
}

function writeStruct(out: Bytes, struct: RawThrift): void {
  const fields = Object.entries(struct)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => [Number(key.slice('field_'.length)), value] as const)
    .sort((a, b) => a[0] - b[0]);
  let lastId = 0;
  for (const [id, value] of fields) {
    const type = typeOf(value);
    const delta = id - lastId;
    if (delta > 0 && delta <= 15) out.byte((delta << 4) | type);
    else {
      out.byte(type);
      out.zigzag(BigInt(id));
    }
    writeValue(out, type, value);
    lastId = id;
  }
  out.byte(0);
}

export function serializeRawStruct(struct: RawThrift): Uint8Array {
  const out = new Bytes();
  writeStruct(out, struct);
  return out.result();
}
