/** Pure planning: an inclusive index range -> a global chunk grid -> a device order. */

export interface ChunkRange {
  readonly start: number;
  readonly end: number;
}

export interface RangeRequest {
  readonly start: number;
  readonly end: number;
  readonly checkpointFrequency: number;
}

/** Digits of the zero-padded indexes in chunk names: at least 5, more when `end` needs it. */
export function nameWidthFor(end: number): number {
  return Math.max(5, String(end).length);
}

export function chunkName(range: ChunkRange, width: number): string {
  const pad = (n: number) => String(n).padStart(width, '0');
  return `chunk_${pad(range.start)}-${pad(range.end)}`;
}

const CHUNK_PREFIX = 'chunk_';

/** The number the decimal digits name[from, to) spell; undefined when there are none or another character. */
function digitsAt(name: string, from: number, to: number): number | undefined {
  if (to <= from) return undefined;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = name.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  // Past 15 digits, adding up loses precision differently from Number().
  return to - from > 15 ? Number(name.slice(from, to)) : value;
}

/**
 * The range a chunk folder name (chunk_<digits>-<digits>) stands for, or undefined when it is
 * not a chunk name. By hand, not a regular expression: a scan parses 200,000 names.
 */
export function parseChunkName(name: string): ChunkRange | undefined {
  if (!name.startsWith(CHUNK_PREFIX)) return undefined;
  const dash = name.indexOf('-', CHUNK_PREFIX.length);
  if (dash < 0) return undefined;
  const start = digitsAt(name, CHUNK_PREFIX.length, dash);
  const end = digitsAt(name, dash + 1, name.length);
  return start !== undefined && end !== undefined && end >= start ? { start, end } : undefined;
}

/** How many chunks the grid over [start, end] has. */
export function chunkCount(request: RangeRequest): number {
  return Math.ceil((request.end - request.start + 1) / request.checkpointFrequency);
}

/** Chunk `index` (0-based) of the grid: aligned at start, the last one possibly shorter. */
export function chunkAt(request: RangeRequest, index: number): ChunkRange {
  const start = request.start + index * request.checkpointFrequency;
  return { start, end: Math.min(request.end, start + request.checkpointFrequency - 1) };
}

/** The grid index of `range`, or undefined when it is not exactly one chunk of this grid. */
export function chunkIndexOf(request: RangeRequest, range: ChunkRange): number | undefined {
  const offset = range.start - request.start;
  if (offset < 0 || offset % request.checkpointFrequency !== 0) return undefined;
  const index = offset / request.checkpointFrequency;
  if (index >= chunkCount(request)) return undefined;
  return chunkAt(request, index).end === range.end ? index : undefined;
}

/**
 * The whole grid as a list: only for plans known to be small (tests, a merge of what is on
 * disk). Everything that runs at the scale of a plan uses chunkAt and spans of indexes.
 */
export function chunkGrid(request: RangeRequest): ChunkRange[] {
  return Array.from({ length: chunkCount(request) }, (_, index) => chunkAt(request, index));
}

export function itemCount(range: ChunkRange): number {
  return range.end - range.start + 1;
}

/**
 * Contiguous blocks of chunks, one block per device, sizes differing by at most one
 * chunk: the default order in which devices take work. Device i gets block i.
 */
export function contiguousBlocks<T>(chunks: readonly T[], deviceCount: number): T[][] {
  const blocks: T[][] = [];
  const base = Math.floor(chunks.length / deviceCount);
  const extra = chunks.length % deviceCount;
  let next = 0;
  for (let device = 0; device < deviceCount; device++) {
    const size = base + (device < extra ? 1 : 0);
    blocks.push(chunks.slice(next, next + size));
    next += size;
  }
  return blocks;
}

/**
 * The static split of the seed system for --no-checkpoint: the range cut into one
 * contiguous slice per device, sizes differing by at most one item.
 */
export function staticSlices(start: number, end: number, deviceCount: number): ChunkRange[] {
  const total = end - start + 1;
  const slices: ChunkRange[] = [];
  const base = Math.floor(total / deviceCount);
  const extra = total % deviceCount;
  let next = start;
  for (let device = 0; device < deviceCount; device++) {
    const size = base + (device < extra ? 1 : 0);
    if (size > 0) slices.push({ start: next, end: next + size - 1 });
    next += size;
  }
  return slices;
}

/** Collapse ranges to a short readable list, merging neighbours: "0-99, 150-199". */
export function describeRanges(ranges: readonly ChunkRange[]): string {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(', ');
}
