/**
 * Chunk schemas as trees, and the one target schema they unify to. Differences a user expects
 * to be fine (a null-only or missing column, int widened to float, another column order)
 * unify; anything else is a conflict that names the file and the column.
 */
import type { SchemaElement } from 'hyparquet';
import { DataError } from '../core/errors.js';

export interface Field {
  readonly element: SchemaElement;
  readonly children: readonly Field[];
  /** The file that gave this field its type, for conflict messages. */
  readonly origin: string;
}

const ELEMENT_KEYS = ['type', 'type_length', 'repetition_type', 'converted_type', 'scale', 'precision', 'logical_type'] as const;

export function fieldTree(schema: readonly SchemaElement[], origin: string): Field {
  let next = 0;
  const build = (): Field => {
    const element = schema[next++];
    if (!element) throw new DataError(`${origin} has a truncated schema`);
    const children: Field[] = [];
    for (let i = 0; i < (element.num_children ?? 0); i++) children.push(build());
    return { element: cleanElement(element), children, origin };
  };
  return build();
}

function cleanElement(element: SchemaElement): SchemaElement {
  const clean: SchemaElement = { name: element.name };
  for (const key of ELEMENT_KEYS) if (element[key] !== undefined) (clean as unknown as Record<string, unknown>)[key] = element[key];
  if (element.field_id !== undefined) clean.field_id = element.field_id;
  return clean;
}

/** Preorder SchemaElement list, as a Parquet footer stores it. */
export function flattenFields(root: Field): SchemaElement[] {
  const out: SchemaElement[] = [];
  const visit = (field: Field) => {
    out.push(field.children.length > 0 || field === root ? { ...field.element, num_children: field.children.length } : field.element);
    field.children.forEach(visit);
  };
  visit(root);
  return out;
}

type LogicalType = NonNullable<SchemaElement['logical_type']>;

const INTEGER_CONVERTED = /^(U?)INT_(8|16|32|64)$/;
const TIME_CONVERTED = /^(TIME|TIMESTAMP)_(MILLIS|MICROS)$/;
const SAME_NAME = new Set(['UTF8', 'ENUM', 'JSON', 'BSON', 'DATE', 'LIST', 'MAP']);

/**
 * The logical type an element means, as Arrow reads it: the logical type where one is stored,
 * else the one its legacy converted type stands for (UTF8 is STRING, INT_8 is INTEGER(8, signed),
 * TIMESTAMP_MILLIS is TIMESTAMP(UTC, MILLIS), ...). Writers differ in which of the two they store.
 */
export function logicalTypeOf(element: SchemaElement): LogicalType | undefined {
  if (element.logical_type) return element.logical_type;
  const converted = element.converted_type;
  if (!converted) return undefined;
  if (SAME_NAME.has(converted)) return { type: converted === 'UTF8' ? 'STRING' : converted } as LogicalType;
  if (converted === 'DECIMAL') return { type: 'DECIMAL', scale: element.scale ?? 0, precision: element.precision ?? 0 } as LogicalType;
  const integer = INTEGER_CONVERTED.exec(converted);
  if (integer) return { type: 'INTEGER', bitWidth: Number(integer[2]), isSigned: integer[1] === '' } as LogicalType;
  const time = TIME_CONVERTED.exec(converted);
  if (time) return { type: time[1], isAdjustedToUTC: true, unit: time[2] } as LogicalType;
  return undefined; // MAP_KEY_VALUE, INTERVAL: no logical type; compared as converted types below
}

/** What an element means: physical type, width, repetition and logical type (however it is spelled). */
function meaningOf(element: SchemaElement): string {
  const logical = logicalTypeOf(element);
  return JSON.stringify([
    element.type,
    element.type_length,
    element.repetition_type,
    logical ?? element.converted_type,
    logical ? undefined : [element.scale, element.precision],
  ]);
}

function sameElement(a: SchemaElement, b: SchemaElement): boolean {
  return meaningOf(a) === meaningOf(b);
}

/** Of two elements that mean the same, the one that says it both ways where either does. */
function fullerElement(a: SchemaElement, b: SchemaElement): SchemaElement {
  const withLogical = a.logical_type ? a : b.logical_type ? { ...a, logical_type: b.logical_type } : a;
  return withLogical.converted_type || !b.converted_type ? withLogical : { ...withLogical, converted_type: b.converted_type };
}

/** Same columns with the same types, in any order: such a file's column chunks are copied as they are. */
export function sameShape(a: Field, b: Field, isRoot = true): boolean {
  if (!isRoot && (a.element.name !== b.element.name || !sameElement(a.element, b.element))) return false;
  if (a.children.length !== b.children.length) return false;
  return a.children.every((child) => {
    const match = b.children.find((other) => other.element.name === child.element.name);
    return match !== undefined && sameShape(child, match, false);
  });
}

type LeafKind = 'null' | 'int32' | 'int64' | 'float' | 'double' | 'other';

function leafKind(element: SchemaElement): LeafKind {
  if (element.logical_type?.type === 'NULL') return 'null';
  const converted = element.converted_type;
  const logical = element.logical_type;
  const plainInteger =
    (!converted || /^INT_(8|16|32|64)$/.test(converted)) && (!logical || (logical.type === 'INTEGER' && logical.isSigned));
  if (element.type === 'INT32' && plainInteger) return 'int32';
  if (element.type === 'INT64' && plainInteger) return 'int64';
  if (!converted && !logical && element.type === 'FLOAT') return 'float';
  if (!converted && !logical && element.type === 'DOUBLE') return 'double';
  return 'other';
}

const WIDENED: Record<string, SchemaElement['type']> = {
  'int32+int64': 'INT64',
  'int32+float': 'DOUBLE',
  'int32+double': 'DOUBLE',
  'int64+float': 'DOUBLE',
  'int64+double': 'DOUBLE',
  'float+double': 'DOUBLE',
  'int32+int32': 'INT32',
  'int64+int64': 'INT64',
};

function widenedType(a: LeafKind, b: LeafKind): SchemaElement['type'] | undefined {
  return WIDENED[`${a}+${b}`] ?? WIDENED[`${b}+${a}`];
}

function describeType(field: Field): string {
  const { element } = field;
  if (field.children.length > 0) return element.converted_type === 'LIST' || element.logical_type?.type === 'LIST' ? 'a list' : 'a group';
  const annotation = logicalTypeOf(element)?.type ?? element.converted_type;
  return `${element.type ?? 'untyped'}${annotation ? ` (${annotation})` : ''}`;
}

function optional(field: Field): Field {
  if (field.element.repetition_type !== 'REQUIRED') return field;
  return { ...field, element: { ...field.element, repetition_type: 'OPTIONAL' } };
}

function mergedRepetition(a: SchemaElement, b: SchemaElement): SchemaElement['repetition_type'] | 'conflict' {
  const ra = a.repetition_type ?? 'REQUIRED';
  const rb = b.repetition_type ?? 'REQUIRED';
  if (ra === rb) return a.repetition_type;
  if (ra === 'REPEATED' || rb === 'REPEATED') return 'conflict';
  return 'OPTIONAL';
}

function conflict(target: Field, other: Field, path: readonly string[], why: string): DataError {
  return new DataError(
    `${other.origin}: column "${path.join('.')}" is ${describeType(other)}, but ${describeType(target)} in ${target.origin}${why ? ` (${why})` : ''}; ` +
      'these chunk schemas conflict and cannot be merged into one file: re-run the odd chunk so it writes the same column types',
  );
}

function unifyField(target: Field, other: Field, path: readonly string[]): Field {
  const targetIsNull = target.children.length === 0 && leafKind(target.element) === 'null';
  const otherIsNull = other.children.length === 0 && leafKind(other.element) === 'null';
  if (otherIsNull) return optional(target);
  if (targetIsNull) return optional({ ...other, element: { ...other.element, name: target.element.name } });
  const repetition = mergedRepetition(target.element, other.element);
  if (repetition === 'conflict') throw conflict(target, other, path, 'repeated in one file only');
  if ((target.children.length === 0) !== (other.children.length === 0)) throw conflict(target, other, path, '');
  if (target.children.length === 0) {
    if (sameElement({ ...target.element, repetition_type: repetition }, { ...other.element, repetition_type: repetition })) {
      return { ...target, element: { ...fullerElement(target.element, other.element), repetition_type: repetition } };
    }
    const widened = widenedType(leafKind(target.element), leafKind(other.element));
    if (!widened) throw conflict(target, other, path, '');
    return { ...target, element: { name: target.element.name, type: widened, repetition_type: repetition } };
  }
  const annotation = (element: SchemaElement) => logicalTypeOf(element)?.type ?? element.converted_type;
  if (annotation(target.element) !== annotation(other.element)) throw conflict(target, other, path, '');
  const children = target.children.map((child) => {
    const match = other.children.find((candidate) => candidate.element.name === child.element.name);
    return match ? unifyField(child, match, [...path, child.element.name]) : optional(child);
  });
  for (const child of other.children) {
    if (!target.children.some((existing) => existing.element.name === child.element.name)) children.push(optional(child));
  }
  return { ...target, element: { ...target.element, repetition_type: repetition }, children };
}

/** The schema every input is written as; throws a DataError naming the first conflicting file and column. */
export function unifySchemas(trees: readonly Field[]): Field {
  const [first, ...rest] = trees;
  if (!first) throw new Error('no schemas to unify');
  return rest.reduce((target, tree) => unifyField(target, tree, []), first);
}

export interface LeafPath {
  readonly path: string[];
  readonly elements: SchemaElement[];
}

/** Leaf columns in storage order, each with its path of elements from (not including) the root. */
export function leafPaths(root: Field): LeafPath[] {
  const leaves: LeafPath[] = [];
  const visit = (field: Field, path: string[], elements: SchemaElement[]) => {
    if (field.children.length === 0) leaves.push({ path, elements });
    for (const child of field.children) visit(child, [...path, child.element.name], [...elements, child.element]);
  };
  for (const child of root.children) visit(child, [child.element.name], [child.element]);
  return leaves;
}

/** A leaf column of a schema tree with what reading and writing it needs, worked out once per tree. */
export interface LeafColumn {
  readonly path: readonly string[];
  /** The elements from the root (included) to the leaf. */
  readonly elements: readonly SchemaElement[];
  readonly element: SchemaElement;
  readonly maxRepetition: number;
  readonly maxDefinition: number;
}

const leafColumnsByTree = new WeakMap<Field, { readonly list: readonly LeafColumn[]; readonly byKey: ReadonlyMap<string, LeafColumn> }>();

/** The tree's leaf columns in storage order, and by path (pathKey); thousands of chunks share a tree, so this is done once each. */
export function leafColumnsOf(tree: Field): { readonly list: readonly LeafColumn[]; readonly byKey: ReadonlyMap<string, LeafColumn> } {
  let columns = leafColumnsByTree.get(tree);
  if (!columns) {
    const list = leafPaths(tree).map(({ path, elements }) => ({
      path,
      elements: [tree.element, ...elements],
      element: elements[elements.length - 1]!,
      ...levelsOf(elements),
    }));
    columns = { list, byKey: new Map(list.map((column) => [pathKey(column.path), column])) };
    leafColumnsByTree.set(tree, columns);
  }
  return columns;
}

export const pathKey = (path: readonly string[]) => path.join('\u0000');

/** The same leaf columns in the same storage order. */
export function sameLeafOrder(a: Field, b: Field): boolean {
  const left = leafPaths(a).map((leaf) => pathKey(leaf.path));
  const right = leafPaths(b).map((leaf) => pathKey(leaf.path));
  return left.length === right.length && left.every((key, index) => key === right[index]);
}

export function levelsOf(elements: readonly SchemaElement[]): { maxRepetition: number; maxDefinition: number } {
  let maxRepetition = 0;
  let maxDefinition = 0;
  for (const element of elements) {
    if (element.repetition_type === 'REPEATED') maxRepetition++;
    if (element.repetition_type !== 'REQUIRED') maxDefinition++;
  }
  return { maxRepetition, maxDefinition };
}
