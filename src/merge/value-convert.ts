/**
 * Pure: decoded values of one chunk's column turned into values of the target schema's column
 * (a missing or null-only column becomes nulls, ints widen to floats, lists and structs
 * convert element by element).
 */
import type { SchemaElement } from 'hyparquet';
import type { Field } from '../parquet/index.js';

export type Convert = (value: unknown) => unknown;

const LOSSY_ANNOTATIONS = new Set([
  // Decoded, JSON is parsed and written back stringified: big numbers, spacing and a JSON null would change.
  'JSON',
  'DECIMAL',
  'INTERVAL',
  'BSON',
  'MAP',
  'MAP_KEY_VALUE',
  'VARIANT',
  'GEOMETRY',
  'GEOGRAPHY',
  'FLOAT16',
  'UUID',
]);

/** Why a column cannot be decoded and re-encoded without loss, or undefined when it can. */
export function reencodeProblem(field: Field): string | undefined {
  const { element } = field;
  const annotation = element.logical_type?.type ?? element.converted_type;
  if (annotation && LOSSY_ANNOTATIONS.has(annotation))
    return `${annotation} columns are only merged by copying, which needs identical schemas`;
  if (element.type === 'INT96') return 'INT96 timestamps are only merged by copying, which needs identical schemas';
  if (field.children.length > 0 && !isList(field) && field.children.some((child) => child.element.repetition_type === 'REPEATED')) {
    return 'legacy repeated fields are only merged by copying, which needs identical schemas';
  }
  if (isList(field)) {
    const repeated = field.children[0]!;
    if (repeated.children.length !== 1 || repeated.children[0]!.element.repetition_type === 'REPEATED')
      return 'two-level (legacy) lists are only merged by copying, which needs identical schemas';
  }
  for (const child of field.children) {
    const problem = reencodeProblem(child);
    if (problem) return problem;
  }
  return undefined;
}

function isList(field: Field): boolean {
  const annotated = field.element.converted_type === 'LIST' || field.element.logical_type?.type === 'LIST';
  const repeated = field.children[0];
  return annotated && field.children.length === 1 && repeated !== undefined && repeated.element.repetition_type === 'REPEATED';
}

/** The element field of a three-level list (or the repeated field itself when it is a leaf). */
function listElement(field: Field): Field {
  const repeated = field.children[0]!;
  return repeated.children.length === 1 ? repeated.children[0]! : repeated;
}

function leafConverter(source: SchemaElement, target: SchemaElement): Convert {
  if (source.logical_type?.type === 'NULL') return () => null;
  if (target.type === source.type) return (value) => value;
  if (target.type === 'INT64') return (value) => (typeof value === 'number' ? BigInt(value) : value);
  if (target.type === 'DOUBLE' || target.type === 'FLOAT') return (value) => (typeof value === 'bigint' ? Number(value) : value);
  return (value) => value;
}

const isMissing = (value: unknown) => value === null || value === undefined;

/** A converter from values of `source` (undefined: the column is absent in that chunk) to `target`. */
export function converterFor(source: Field | undefined, target: Field): Convert {
  if (!source || (source.children.length === 0 && source.element.logical_type?.type === 'NULL')) return () => null;
  if (target.children.length === 0) {
    const leaf = leafConverter(source.element, target.element);
    return (value) => (isMissing(value) ? null : leaf(value));
  }
  if (isList(target)) {
    const element = converterFor(isList(source) ? listElement(source) : undefined, listElement(target));
    return (value) => (isMissing(value) ? null : (value as unknown[]).map(element));
  }
  const children = target.children.map((child) => ({
    name: child.element.name,
    convert: converterFor(
      source.children.find((candidate) => candidate.element.name === child.element.name),
      child,
    ),
  }));
  return (value) => {
    if (isMissing(value)) return null;
    const record = value as Record<string, unknown>;
    const converted: Record<string, unknown> = {};
    for (const child of children) converted[child.name] = child.convert(record[child.name]);
    return converted;
  };
}
