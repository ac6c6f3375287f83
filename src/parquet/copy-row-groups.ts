/**
 * Fast path: a source's row groups copied into the merged file byte for byte. Nothing is
 * decoded; each column chunk's offsets are shifted to its new place, and the page indexes
 * and bloom filters that pointed into the old file are dropped rather than left wrong.
 */
import type { ParquetSource } from './parquet-source.js';
import { columnChecksOf, pathKey, runColumnCheck } from './column-checks.js';
import type { OutputFile } from './output-file.js';
import type { PageCheckPool } from './page-check-pool.js';
import type { RawThrift } from './footer.js';
import { leafPaths, sameLeafOrder, type Field } from './schema.js';
import { SourceFile } from './source-file.js';

const COPY_BLOCK = 1 << 20;

function shiftedColumn(raw: RawThrift, typedStart: number, shift: bigint, hasDictionary: boolean): RawThrift {
  const meta: RawThrift = { ...raw.field_3 };
  // A data page offset before the chunk (0, in a chunk without data pages) would shift to garbage.
  meta.field_9 = ((meta.field_9 as bigint) < BigInt(typedStart) ? BigInt(typedStart) : (meta.field_9 as bigint)) + shift;
  // A dictionary offset that is 0 or past the data page means "none" to the writer that made it; shifted it would point at garbage.
  meta.field_11 = hasDictionary ? (meta.field_11 as bigint) + shift : undefined;
  meta.field_10 = undefined; // index pages: unused by readers, not worth keeping
  meta.field_14 = undefined; // bloom filter, left behind in the old file
  meta.field_15 = undefined;
  meta.field_17 = undefined; // geospatial bounds: doubles the raw writer cannot type faithfully
  return { field_2: BigInt(typedStart) + shift, field_3: meta };
}

/** How the pages of copied column chunks are checked (see page-check.ts for what each level proves). */
export interface CopyChecks {
  readonly decode: boolean;
  /** Decoding checks run here, on other threads, while the copy goes on; the copy then reads only bytes. */
  readonly pool?: PageCheckPool;
}

/**
 * Copies the source's row groups to `out`, column chunk by column chunk in the target's column
 * order, and returns them as raw thrift row groups. Every page is checked: by the pool alongside
 * the copy, or inline as the bytes pass, so the copy reads each byte once.
 */
export function copyRowGroups(
  out: OutputFile,
  source: ParquetSource,
  target: Field,
  checking: CopyChecks,
  groups: readonly number[] = source.rowGroups,
): RawThrift[] {
  const pool = checking.pool;
  const input = SourceFile.of(source);
  const emit = (bytes: Uint8Array) => out.appendDirect(bytes);
  const targetOrder = leafPaths(target).map((leaf) => pathKey(leaf.path));
  const sameOrder = sameLeafOrder(source.tree, target);
  const checks = columnChecksOf(source, checking.decode, groups);
  pool?.add(source.file, checks);
  try {
    let next = 0;
    return groups.map((groupIndex) => {
      const rawGroup = (source.footer.raw.field_4 as RawThrift[])[groupIndex]!;
      const rawColumns = rawGroup.field_1 as RawThrift[];
      const groupChecks = checks.slice(next, (next += rawColumns.length));
      const indexOf = new Map(groupChecks.map((check, index) => [pathKey(check.meta.path_in_schema), index]));
      let compressed = 0n;
      const columns = targetOrder.map((key) => {
        const index = indexOf.get(key)!;
        const check = groupChecks[index]!;
        const placedAt = out.offset;
        if (pool) for (let at = check.start; at < check.end; at += COPY_BLOCK) emit(input.readAt(at, Math.min(COPY_BLOCK, check.end - at)));
        else runColumnCheck(input, check, emit);
        if (out.offset - placedAt !== check.end - check.start)
          throw new Error(`copied ${out.offset - placedAt} of ${check.end - check.start} bytes`);
        compressed += BigInt(check.end - check.start);
        const hasDictionary = check.meta.dictionary_page_offset !== undefined && BigInt(check.start) === check.meta.dictionary_page_offset;
        return shiftedColumn(rawColumns[index]!, check.start, BigInt(placedAt - check.start), hasDictionary);
      });
      return {
        field_1: columns,
        field_2: rawGroup.field_2,
        field_3: rawGroup.field_3,
        field_4: sameOrder ? rawGroup.field_4 : undefined, // sorting columns are leaf indexes
        field_5: columns[0]?.field_2,
        field_6: compressed,
      };
    });
  } finally {
    input.close();
  }
}
