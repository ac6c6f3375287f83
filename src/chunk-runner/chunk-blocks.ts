/** The devices' blocks of pending chunks, read by position: listed, or computed from the plan. */
import { SpanSequence, type ChunkSpan } from '../core/chunk-spans.js';
import { chunkAt, chunkIndexOf, chunkName, parseChunkName, type ChunkRange, type RangeRequest } from '../core/plan.js';

export interface PlannedChunk {
  readonly name: string;
  readonly range: ChunkRange;
}

/** Where a chunk sits: its block, and its offset from the block's start. */
export interface BlockPosition {
  readonly block: number;
  readonly offset: number;
}

/** Contiguous blocks of chunks, one per device of the run, in the order devices take them. */
export interface ChunkBlocks {
  readonly count: number;
  sizeOf(block: number): number;
  chunkAt(block: number, offset: number): PlannedChunk;
  /** Undefined for a name that is in no block. */
  locate(name: string): BlockPosition | undefined;
}

/** Blocks given as lists (small plans, tests). */
export function listedBlocks(blocks: readonly (readonly PlannedChunk[])[]): ChunkBlocks {
  const positions = new Map<string, BlockPosition>();
  blocks.forEach((chunks, block) => chunks.forEach((chunk, offset) => positions.set(chunk.name, { block, offset })));
  return {
    count: blocks.length,
    sizeOf: (block) => blocks[block]!.length,
    chunkAt: (block, offset) => blocks[block]![offset]!,
    locate: (name) => positions.get(name),
  };
}

/**
 * The pending chunks of a plan (`pending`: spans of grid indexes) cut into `count` blocks
 * whose sizes differ by at most one chunk, without listing a chunk: memory grows with the
 * number of spans, not of chunks.
 */
export function plannedBlocks(request: RangeRequest, width: number, pending: readonly ChunkSpan[], count: number): ChunkBlocks {
  const sequence = new SpanSequence(pending);
  const base = Math.floor(sequence.length / count);
  const extra = sequence.length % count;
  const sizeOf = (block: number) => base + (block < extra ? 1 : 0);
  const startOf = (block: number) => block * base + Math.min(block, extra);
  const blockAt = (position: number) =>
    position < extra * (base + 1) ? Math.floor(position / (base + 1)) : extra + Math.floor((position - extra * (base + 1)) / base);
  return {
    count,
    sizeOf,
    chunkAt(block, offset) {
      const range = chunkAt(request, sequence.indexAt(startOf(block) + offset));
      return { name: chunkName(range, width), range };
    },
    locate(name) {
      const range = parseChunkName(name);
      if (!range || chunkName(range, width) !== name) return undefined;
      const index = chunkIndexOf(request, range);
      const position = index === undefined ? undefined : sequence.positionOf(index);
      if (position === undefined) return undefined;
      const block = blockAt(position);
      return { block, offset: position - startOf(block) };
    },
  };
}
