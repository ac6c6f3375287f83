/** Pure: the column types of JSONL rows, and how two rows' types of one column combine. */

export type ScalarType = 'null' | 'bool' | 'int' | 'float' | 'string' | 'json';
export type ListType = { readonly list: ScalarType };
export type JsonType = ScalarType | ListType;

const listTypes = new Map<ScalarType, ListType>();

/** One object per list type, so types compare with ===. */
export function listOf(element: ScalarType): ListType {
  let type = listTypes.get(element);
  if (!type) listTypes.set(element, (type = { list: element }));
  return type;
}

export function mergeTypes(a: JsonType, b: JsonType): JsonType | undefined {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  if (typeof a === 'object' && typeof b === 'object') {
    const element = mergeTypes(a.list, b.list);
    return element === undefined ? undefined : listOf(element as ScalarType);
  }
  if ((a === 'int' && b === 'float') || (a === 'float' && b === 'int')) return 'float';
  return undefined;
}

/**
 * A column's types once it holds a value of `type` as well: as they were, widened (a first
 * type, ints joined by floats, a list's elements), or undefined where the two cannot be one
 * column. Inference, the byte scanner and the JSON.parse write path all note types by it.
 */
export const typesWith = (seen: JsonType | undefined, type: JsonType): JsonType | undefined =>
  seen === undefined ? type : mergeTypes(seen, type);

/** The type of a value JSON.parse made: a list of scalars of one type (ints and floats mix), else 'json' for lists. */
export function typeOfValue(value: unknown): JsonType {
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
    return listOf(element as ScalarType);
  }
  return 'json';
}

export const describeType = (type: JsonType): string =>
  typeof type === 'object' ? `a list of ${describeType(type.list)}` : type === 'json' ? 'an object' : type;
