/**
 * Leaf columns gathered straight into their physical type's PLAIN layout: numbers in typed
 * arrays, strings as length-prefixed UTF-8 in one growing buffer. Nothing is held as a boxed
 * JavaScript value, so a row group of a million values leaves the garbage collector little to
 * trace, and its pages are slices of these buffers (typed-column-writer.ts), not re-encoded.
 * Only the plain physical types JSONL values take are kept this way (typedLeavesFit); others
 * (decimals, INT96, fixed-length bytes) are gathered as values by leaf-columns.ts.
 */
import { LevelList } from './leaf-columns.js';
import { PresentValues, storeKindOf } from './present-values.js';
import type { LeafColumn } from './schema.js';

/** Whether every leaf of a target can be gathered typed. */
export const typedLeavesFit = (leaves: readonly LeafColumn[]): boolean => leaves.every(({ element }) => storeKindOf(element) !== undefined);

/** One leaf column gathered typed: a level per value slot (as in leaf-columns.ts) and the present values. */
export interface TypedLeaf {
  readonly values: PresentValues;
  readonly definitionLevels: LevelList;
  readonly repetitionLevels: LevelList;
}

/**
 * The leaves of the row group this thread wrote last, emptied: the next row group of the same
 * columns takes their room rather than growing new arrays from a few values (copying them at
 * each doubling, and faulting in fresh pages), in a worker across its segments too. Held until
 * then: at most one row group's worth, which its writing held anyway.
 */
let spare: TypedLeaf[] | undefined;

/** Empty leaves for `leaves`: the spare ones where they are of the same kinds, else new. */
export function emptyTypedLeaves(leaves: readonly LeafColumn[]): TypedLeaf[] {
  const kinds = leaves.map(({ element }) => storeKindOf(element)!);
  const reused = spare;
  spare = undefined;
  if (reused && reused.length === kinds.length && reused.every((leaf, i) => leaf.values.kind === kinds[i])) return reused;
  return kinds.map((kind) => ({ values: new PresentValues(kind), definitionLevels: new LevelList(), repetitionLevels: new LevelList() }));
}

/** Leaves whose row group is written (nothing refers to their arrays any more): emptied, kept for the next. */
export function reuseTypedLeaves(leaves: TypedLeaf[]): void {
  for (const leaf of leaves) {
    leaf.values.truncate(0);
    leaf.definitionLevels.truncate(0);
    leaf.repetitionLevels.truncate(0);
  }
  spare = leaves;
}
