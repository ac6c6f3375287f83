/**
 * Sets of chunks of a plan as sorted spans of grid indexes, so that what is pending costs
 * memory by the holes on disk, never by the size of the grid. Pure.
 */
import { chunkAt, chunkCount, chunkIndexOf, describeRanges, type ChunkRange, type RangeRequest } from './plan.js';
import { lastIndexAtOrBelow } from './sorted-search.js';

/** Chunk indexes first..last of the grid, inclusive. */
export interface ChunkSpan {
  readonly first: number;
  readonly last: number;
}

export function spanLength(span: ChunkSpan): number {
  return span.last - span.first + 1;
}

export function spansLength(spans: readonly ChunkSpan[]): number {
  let total = 0;
  for (const span of spans) total += spanLength(span);
  return total;
}

/** The grid indexes of `ranges` that are chunks of this plan, sorted, each once. */
export function gridIndexesOf(request: RangeRequest, ranges: Iterable<ChunkRange>): Float64Array {
  const found: number[] = [];
  for (const range of ranges) {
    const index = chunkIndexOf(request, range);
    if (index !== undefined) found.push(index);
  }
  const sorted = Float64Array.from(found).sort();
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[kept++] = sorted[i]!;
  return sorted.subarray(0, kept);
}

/** Every chunk of a grid of `count` chunks except the sorted, distinct `excluded` indexes. */
export function spansExcept(count: number, excluded: ArrayLike<number>): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  let next = 0;
  for (let i = 0; i < excluded.length; i++) {
    const index = excluded[i]!;
    if (index > next) spans.push({ first: next, last: index - 1 });
    next = index + 1;
  }
  if (next < count) spans.push({ first: next, last: count - 1 });
  return spans;
}

/** The chunks of the plan that no entry of `committed` covers. */
export function uncommittedSpans(request: RangeRequest, committed: Iterable<ChunkRange>): ChunkSpan[] {
  return spansExcept(chunkCount(request), gridIndexesOf(request, committed));
}

/**
 * Cut the sequence of chunks in `spans` into `parts` contiguous blocks, sizes differing by
 * at most one chunk: the default order in which devices take work. Device i gets block i.
 */
export function splitSpans(spans: readonly ChunkSpan[], parts: number): ChunkSpan[][] {
  const total = spansLength(spans);
  const base = Math.floor(total / parts);
  const extra = total % parts;
  const blocks: ChunkSpan[][] = [];
  let at = 0;
  let used = 0;
  for (let part = 0; part < parts; part++) {
    let wanted = base + (part < extra ? 1 : 0);
    const block: ChunkSpan[] = [];
    while (wanted > 0) {
      const span = spans[at]!;
      const first = span.first + used;
      const take = Math.min(wanted, span.last - first + 1);
      block.push({ first, last: first + take - 1 });
      wanted -= take;
      used += take;
      if (first + take - 1 === span.last) {
        at++;
        used = 0;
      }
    }
    blocks.push(block);
  }
  return blocks;
}

/** The index range that a span of chunks covers. */
export function spanItems(request: RangeRequest, span: ChunkSpan): ChunkRange {
  return { start: chunkAt(request, span.first).start, end: chunkAt(request, span.last).end };
}

/** The spans' items as a short readable list, neighbours merged: "0-99, 150-199". */
export function describeSpans(request: RangeRequest, spans: readonly ChunkSpan[]): string {
  return describeRanges(spans.map((span) => spanItems(request, span)));
}

/**
 * A sequence of chunks given as spans, read by position without listing it: position p is
 * the p-th chunk of the spans in order. Lookups are binary searches over the spans.
 */
export class SpanSequence {
  /** Position of each span's first chunk. */
  private readonly offsets: Float64Array;
  readonly length: number;

  constructor(readonly spans: readonly ChunkSpan[]) {
    this.offsets = new Float64Array(spans.length);
    let total = 0;
    spans.forEach((span, i) => {
      this.offsets[i] = total;
      total += spanLength(span);
    });
    this.length = total;
  }

  /** The grid index at `position` (0 <= position < length). */
  indexAt(position: number): number {
    const offsets = this.offsets;
    const span = lastIndexAtOrBelow(offsets.length, (i) => offsets[i]!, position);
    return this.spans[span]!.first + (position - this.offsets[span]!);
  }

  /** The position of grid index `index`, or undefined when no span holds it. */
  positionOf(index: number): number | undefined {
    const spans = this.spans;
    if (spans.length === 0) return undefined;
    const at = lastIndexAtOrBelow(spans.length, (i) => spans[i]!.first, index);
    const span = spans[at]!;
    return index >= span.first && index <= span.last ? this.offsets[at]! + (index - span.first) : undefined;
  }
}
