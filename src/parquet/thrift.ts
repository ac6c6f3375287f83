/**
 * Thrift compact serialization of raw `{ field_N: value }` structs, as hyparquet's reader
 * returns them: lets a footer be re-emitted with only its offsets changed. The bytes are
 * written by hyparquet-writer's serializer; this module only resolves what a raw struct
 * cannot say by itself (field order, and which integers are i8).
 */
import { ByteWriter } from 'hyparquet-writer';
import { serializeTCompactProtocol, ThriftStruct } from 'hyparquet-writer/src/thrift.js';
import type { RawThrift } from './footer.js';

const TYPE = { TRUE: 1, FALSE: 2, BYTE: 3, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

/** An i8 field. Raw structs lose the width of their integers; readers reject an i8 sent as i32. */
export class ThriftByte {
  constructor(readonly value: number) {}
}

function typeOf(value: unknown): number {
  if (value instanceof ThriftByte) return TYPE.BYTE;
  // Compact structs carry a boolean in its field's type.
  if (typeof value === 'boolean') return value ? TYPE.TRUE : TYPE.FALSE;
  if (typeof value === 'bigint') return TYPE.I64;
  if (typeof value === 'number') return Number.isInteger(value) ? TYPE.I32 : TYPE.DOUBLE;
  if (typeof value === 'string' || value instanceof Uint8Array) return TYPE.BINARY;
  if (Array.isArray(value)) return TYPE.LIST;
  if (value && typeof value === 'object') return TYPE.STRUCT;
  throw new Error(`cannot serialize ${String(value)} as thrift`);
}

function resolved(value: unknown): unknown {
  if (value instanceof ThriftByte) return value.value;
  if (Array.isArray(value)) return value.map(resolved);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) return resolvedStruct(value as RawThrift);
  return value;
}

/** Fields in ascending id order with their types spelled out, as the serializer wants them. */
function resolvedStruct(struct: RawThrift): ThriftStruct {
  const fields = Object.entries(struct)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => [Number(key.slice('field_'.length)), typeOf(value), resolved(value)] as [number, number, never])
    .sort((a, b) => a[0] - b[0]);
  return new ThriftStruct(fields);
}

export function serializeRawStruct(struct: RawThrift): Uint8Array {
  const out = new ByteWriter();
  serializeTCompactProtocol(out, resolvedStruct(struct) as never);
  return new Uint8Array(out.getBuffer());
}
