/**
 * JSONL chunk outputs (what the Python helper writes without pyarrow): column types inferred
 * over every file of the merge, then rows converted and written a row group at a time.
 */
import { createReadStream } from 'node:fs';
import type { SchemaElement } from 'hyparquet';
import { DataError, errorMessage } from '../core/errors.js';
import type { JsonlSource } from './chunk-sources.js';
import type { Field } from '../parquet/index.js';
import type { RowBatcher } from './row-batcher.js';

type JsonType = 'null' | 'bool' | 'int' | 'float' | 'string' | 'json' | { list: JsonType };

const READ_BLOCK = 1 << 20;

/**
 * The file's lines as UTF-8 text, in time linear in its bytes whatever the line length: a line
 * split over reads is kept as a list of pieces and joined once, when its newline arrives.
 */
async function* jsonlLines(file: string): AsyncGenerator<string> {
  const pieces: Buffer[] = [];
  for await (const block of createReadStream(file, { highWaterMark: READ_BLOCK }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let newline = block.indexOf(0x0a, from); newline >= 0; newline = block.indexOf(0x0a, from)) {
      const tail = block.subarray(from, newline);
      yield (pieces.length > 0 ? Buffer.concat([...pieces.splice(0), tail]) : tail).toString('utf8');
      from = newline + 1;
    }
    // A read block is reused by no one after this; keeping a view of its tail is safe.
    if (from < block.length) pieces.push(block.subarray(from));
  }
  if (pieces.length > 0) yield Buffer.concat(pieces).toString('utf8');
}

async function* jsonlRecords(file: string): AsyncGenerator<{ record: Record<string, unknown>; line: number; bytes: number }> {
  let line = 0;
  for await (const text of jsonlLines(file)) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DataError(`${file} line ${line} is not valid JSON (${errorMessage(error)})`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new DataError(`${file} line ${line} is not a JSON object; each line must be one row`);
    yield { record: value as Record<string, unknown>, line, bytes: text.length };
  }
}

function typeOfValue(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) {
    let element: JsonType | undefined = 'null';
    for (const item of value) {
      const itemType = typeOfValue(item);
      if (typeof itemType === 'object' || itemType === 'json') return 'json';
      element = mergeTypes(element, itemType);
      if (element === undefined) return 'json';
    }
    return { list: element };
  }
  return 'json';
}

function mergeTypes(a: JsonType, b: JsonType): JsonType | undefined {
  if (a === 'null') return b;
  if (b === 'null') return a;
  if (typeof a === 'object' && typeof b === 'object') {
    const element = mergeTypes(a.list, b.list);
    return element === undefined ? undefined : { list: element };
  }
  if (a === b) return a;
  if ((a === 'int' && b === 'float') || (a === 'float' && b === 'int')) return 'float';
  return undefined;
}

const describe = (type: JsonType): string =>
  typeof type === 'object' ? `a list of ${describe(type.list)}` : type === 'json' ? 'an object' : type;

function leafElement(name: string, type: Exclude<JsonType, { list: JsonType }>): SchemaElement {
  const base = { name, repetition_type: 'OPTIONAL' as const };
  switch (type) {
    case 'null':
      return { ...base, type: 'INT32', logical_type: { type: 'NULL' } };
    case 'bool':
      return { ...base, type: 'BOOLEAN' };
    case 'int':
      return { ...base, type: 'INT64' };
    case 'float':
      return { ...base, type: 'DOUBLE' };
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'json':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } };
  }
}

/** Lists in the standard three-level layout pyarrow writes, so they unify with Parquet chunks. */
function fieldFor(name: string, type: JsonType, origin: string): Field {
  if (typeof type !== 'object') return { element: leafElement(name, type), children: [], origin };
  const element = fieldFor('element', type.list, origin);
  return {
    element: { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', logical_type: { type: 'LIST' } },
    children: [{ element: { name: 'list', repetition_type: 'REPEATED' }, children: [element], origin }],
    origin,
  };
}

/** One pass over a JSONL file: its columns (first-seen order) as a schema tree. */
export async function inferJsonlSchema(source: JsonlSource): Promise<Field> {
  const types = new Map<string, JsonType>();
  for await (const { record, line } of jsonlRecords(source.file)) {
    for (const [key, value] of Object.entries(record)) {
      const seen = types.get(key) ?? 'null';
      const merged = mergeTypes(seen, typeOfValue(value));
      if (merged === undefined) {
        throw new DataError(
          `${source.file} line ${line}: column "${key}" is ${describe(typeOfValue(value))} here but ${describe(seen)} on earlier lines; a column must keep one type`,
        );
      }
      types.set(key, merged);
    }
  }
  const children = [...types].map(([name, type]) => fieldFor(name, type, source.file));
  return { element: { name: 'schema' }, children, origin: source.file };
}

type Convert = (value: unknown) => unknown;

function jsonConverter(target: Field): Convert {
  if (target.children.length > 0) {
    const element = jsonConverter(target.children[0]!.children[0] ?? target.children[0]!);
    return (value) => (Array.isArray(value) ? value.map(element) : null);
  }
  const { type, logical_type: logical, converted_type: converted } = target.element;
  if (logical?.type === 'NULL') return () => null;
  if (converted === 'JSON') return (value) => value ?? null;
  if (type === 'INT64') return (value) => (typeof value === 'number' ? BigInt(value) : null);
  if (type === 'INT32' || type === 'DOUBLE' || type === 'FLOAT') return (value) => (typeof value === 'number' ? value : null);
  return (value) => value ?? null;
}

/** Rows handed to the batcher at a time: small enough that a file's rows are never all held at once. */
const JSONL_BATCH_ROWS = 10_000;
const JSONL_BATCH_BYTES = 16 << 20;

/** Adds the file's rows to the batcher, converted to the target schema; returns the rows read. */
export async function writeJsonlRowGroups(batcher: RowBatcher, source: JsonlSource, target: Field): Promise<number> {
  const columns = target.children.map((field) => ({ name: field.element.name, convert: jsonConverter(field) }));
  let batch: Record<string, unknown>[] = [];
  let batchBytes = 0;
  let rows = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const rowsOfBatch = batch;
    batcher.add(
      columns.map(({ name, convert }) => rowsOfBatch.map((record) => convert(record[name]))),
      rowsOfBatch.length,
      batchBytes,
    );
    batch = [];
    batchBytes = 0;
  };
  for await (const { record, bytes } of jsonlRecords(source.file)) {
    batch.push(record);
    batchBytes += bytes;
    rows++;
    if (batch.length >= JSONL_BATCH_ROWS || batchBytes >= JSONL_BATCH_BYTES) flush();
  }
  flush();
  if (rows !== source.rows) {
    throw new DataError(`${source.file} has ${rows} rows, its marker recorded ${source.rows}: it changed since the chunk was committed`);
  }
  return rows;
}
