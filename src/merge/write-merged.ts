/**
 * Writes one merged file: every chunk's rows in index order, by the fastest path each chunk
 * allows, to a temp name; read back and verified while it is fsynced, then renamed into place.
 */
import { renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { RowGroup } from 'hyparquet';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { fsyncDir, tempNameFor } from '../core/atomic-file.js';
import { mergedFileName } from '../core/layout.js';
import { markerOf, type ChunkDirEntry } from '../core/scan.js';
import type { ChunkSource, JsonlSource, KnownSchemaSource, ParquetSource, ResolvedChunk } from './chunk-sources.js';
import {
  type CopyChecks,
  copyRowGroups,
  DEFAULT_VERIFY,
  type VerifyLevel,
  type Field,
  flattenFields,
  OutputFile,
  PageCheckPool,
  parquetRows,
  parquetSource,
  rawFooterOf,
  type RawThrift,
  sameLeafOrder,
  sameShape,
  unifySchemas,
  writeFooter,
} from '../parquet/index.js';
import { GatheredRows, type MergeTotals } from './gathered-rows.js';
import type { SegmentJob } from './segment.js';
import { inferJsonlSchema } from './jsonl-infer.js';
import { smallSample } from './jsonl-lines.js';
import { inferOn, openSegmentPool, type SegmentPool } from './segment-pool.js';
import { MERGE_RECORD_KEY, MERGE_SUMMARY_KEY, summaryOf, type MergePath, type MergeRecord, type RecordedChunk } from './merge-record.js';
import { checkReencodable, sourceReencodeProblem } from './reencode.js';
import { ROW_GROUP_BYTES, ROW_GROUP_ROWS, worthCopying } from './row-batcher.js';
import { chunkDataFiles } from './chunk-files.js';
import { IndexCheck, verifyMergedFile } from './verify.js';

export type { MergePath } from './merge-record.js';

type Resolve = (chunk: ChunkDirEntry) => ResolvedChunk;
type SchemasOf = (chunk: ChunkDirEntry) => (ChunkSource | KnownSchemaSource)[];

export interface WriteRequest {
  readonly outputDir: string;
  readonly target: string;
  /** Committed chunks in index order; `schemasOf` gives each one's schemas (first pass), `resolve` its data (second pass). */
  readonly chunks: readonly ChunkDirEntry[];
  readonly schemasOf: SchemasOf;
  readonly resolve: Resolve;
  readonly fingerprint: string;
  readonly indexColumn?: string;
  readonly verify?: VerifyLevel;
  readonly keepRowGroups?: boolean;
}

export interface WrittenFile {
  readonly file: string;
  readonly rows: number;
  readonly path: MergePath;
}

const MERGER = 'chunkrun merge-chunks';

/** How each source gets into the file: the target schema, and which schemas are copied as bytes. */
interface Layout {
  readonly target: Field;
  /** Sources of this schema (one tree per distinct schema) have exactly the target's columns and types. */
  readonly sameAsTarget: (tree: Field) => boolean;
  /** Every source is JSONL (converted), or every one is Parquet of the target's schema. */
  readonly sources: 'jsonl' | 'target schema' | 'mixed';
  /** A copied source with exactly the target's schema: lends its footer's schema and key-values (ARROW:schema). */
  readonly twin: ParquetSource | undefined;
  /** Whether small row groups may be decoded and gathered into bigger ones. */
  readonly coalesce: boolean;
}

/** How long the merge's loops run without letting timers fire (the merge lock's renewal among them). */
const YIELD_EVERY_MS = 1000;

/**
 * The copy and the re-encoding are synchronous: a merge of many chunks would starve the event
 * loop, and its lock (renewed by a timer) would look abandoned after its lease. The loops call
 * this once per chunk; at most once a second it lets the loop turn.
 */
function eventLoopTurns(): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = Date.now();
  };
}

/** How a JSONL file's schema is inferred: here, or on a segment worker. */
type Infer = (source: JsonlSource) => Promise<Field>;

/** JSONL files inferred ahead of the one being noted, at most: on workers, several are read side by side. */
const INFERRED_AHEAD = 8;

/**
 * The first of the merge's two passes over the chunks: every schema, unified. Only one source
 * per distinct schema is kept, so memory does not grow with the number of chunks; the second
 * pass (writeChunks) resolves each chunk again as it writes it. JSONL schemas are noted in
 * chunk order whatever order their inference ends in, so the columns' order is the same either way.
 */
async function layoutOf(
  chunks: readonly ChunkDirEntry[],
  schemasOf: SchemasOf,
  keepRowGroups: boolean,
  infer: { run: Infer; ahead: number },
): Promise<Layout> {
  const letTimersRun = eventLoopTurns();
  const trees = new Map<string, Field>();
  const firstOfTree = new Map<Field, ParquetSource>();
  const sliced = new Set<Field>();
  const inferring: Promise<Field>[] = [];
  const noteOldest = async () => {
    const tree = await inferring.shift()!;
    const key = JSON.stringify(flattenFields(tree));
    if (!trees.has(key)) trees.set(key, tree);
  };
  for (const chunk of chunks) {
    await letTimersRun();
    for (const schema of schemasOf(chunk)) {
      if (schema.kind === 'jsonl') {
        const tree = infer.run(schema);
        // Awaited in order by noteOldest; until then a failure must not count as unhandled.
        tree.catch(() => undefined);
        inferring.push(tree);
        while (inferring.length > infer.ahead) await noteOldest();
        continue;
      }
      // A Parquet schema is noted after every JSONL one before it.
      while (inferring.length > 0) await noteOldest();
      // A schema seen in an earlier merge of this process still needs a source of its own here.
      const source = schema.kind === 'known-schema' && !firstOfTree.has(schema.tree) ? parquetSource(schema.file) : schema;
      if (source.kind === 'known-schema') continue;
      // parquetSource gives sources of one schema one tree.
      if (!firstOfTree.has(source.tree)) {
        firstOfTree.set(source.tree, source);
        trees.set(`parquet ${firstOfTree.size}`, source.tree);
      }
      if (source.rowSlice) sliced.add(source.tree);
    }
  }
  while (inferring.length > 0) await noteOldest();
  const target = unifySchemas([...trees.values()]);
  const shapes = new Map<Field, boolean>();
  const sameAsTarget = (tree: Field) => {
    let same = shapes.get(tree);
    if (same === undefined) shapes.set(tree, (same = sameShape(tree, target)));
    return same;
  };
  // Refuse before writing anything.
  for (const [tree, source] of firstOfTree) if (!sameAsTarget(tree) || sliced.has(tree)) checkReencodable(source);
  const parquetTrees = [...firstOfTree.keys()];
  const sources =
    parquetTrees.length === 0
      ? 'jsonl'
      : trees.size === parquetTrees.length && parquetTrees.every(sameAsTarget)
        ? 'target schema'
        : 'mixed';
  const twin = [...firstOfTree.values()].find((source) => sameAsTarget(source.tree) && sameLeafOrder(source.tree, target));
  // Small row groups are gathered only where every column can be written again exactly.
  const coalesce = !keepRowGroups && parquetTrees.every((tree) => sourceReencodeProblem(tree) === undefined);
  return { target, sameAsTarget, sources, twin, coalesce };
}

type Slot = { raw: RawThrift } | { encoded: RowGroup };

/** hyparquet-writer's page indexes of a written column chunk, written after the row groups. */
type PageIndexes = Parameters<typeof writeIndexes>[1][number];

const uncompressedBytes = (source: ParquetSource) =>
  source.rowGroups.reduce((sum, index) => sum + Number(source.footer.metadata.row_groups[index]!.total_byte_size), 0);

/** What the chunks' markers say a merge holds: its items (the ranges), its data files' bytes, and whether any is JSONL. */
function mergeTotals(chunks: readonly ChunkDirEntry[]): MergeTotals & { jsonl: boolean } {
  let items = 0;
  let bytes = 0;
  let jsonl = false;
  for (const chunk of chunks) {
    items += chunk.range.end - chunk.range.start + 1;
    for (const file of chunkDataFiles(chunk)) {
      bytes += file.bytes;
      jsonl ||= file.kind === 'jsonl';
    }
  }
  return { items, bytes, jsonl };
}

/**
 * Whether a merge may hold enough rows to write again to be worth worker threads (their start,
 * bundled, is about 60 ms): at least a row group's worth of items or of data bytes. Rows copied
 * as bytes never start a worker, whatever this says; JSONL is always written again.
 */
const worthSegmentWorkers = ({ items, bytes }: MergeTotals) => items >= ROW_GROUP_ROWS || bytes >= ROW_GROUP_BYTES;

/** Every chunk's rows, in index order: big row groups copied as bytes, the rest gathered into row groups of sensible size. */
async function writeChunks(
  out: OutputFile,
  checking: CopyChecks,
  layout: Layout,
  job: SegmentJob,
  chunks: readonly ChunkDirEntry[],
  resolve: Resolve,
  { workers, totals }: Parallelism,
  indexCheck: IndexCheck | undefined,
) {
  const creators = new Set<string | undefined>();
  const slots: Slot[] = [];
  const pageIndexes: PageIndexes[] = [];
  const recorded: RecordedChunk[] = [];
  // Checked in file order: after a copied row group, the rest are checked once the footer is written.
  let early = indexCheck;
  const gathered = new GatheredRows(
    out,
    job,
    workers,
    ({ group, indexes }) => {
      slots.push({ encoded: group });
      early?.written(group, out.flushed);
      group.columns.forEach((chunk, index) => pageIndexes.push({ chunk, ...indexes[index]! }));
    },
    totals,
  );
  let row = 0;
  const letTimersRun = eventLoopTurns();
  for (const entry of chunks) {
    await letTimersRun();
    const { chunk, sources, rows } = resolve(entry);
    for (const source of sources) {
      if (source.kind === 'jsonl') {
        await gathered.add({ kind: 'jsonl', source }, source.rows, source.bytes);
      } else if (!layout.sameAsTarget(source.tree) || source.rowSlice) {
        const share = source.rowSlice ? source.rowSlice.rows / Math.max(1, parquetRows({ ...source, rowSlice: undefined })) : 1;
        await gathered.add({ kind: 'convert', source }, parquetRows(source), uncompressedBytes(source) * share);
      } else {
        for (const groupIndex of source.rowGroups) {
          const group = source.footer.metadata.row_groups[groupIndex]!;
          const compressed = group.columns.reduce((sum, column) => sum + Number(column.meta_data!.total_compressed_size), 0);
          if (layout.coalesce && !worthCopying(Number(group.num_rows), compressed)) {
            // The target's own shape: gathered at the leaf level, never assembled into rows.
            await gathered.add({ kind: 'leaves', source, group: groupIndex }, Number(group.num_rows), Number(group.total_byte_size));
            continue;
          }
          // Rows gathered so far come first: the file stays in index order.
          await gathered.drain();
          early = undefined;
          for (const raw of copyRowGroups(out, source, layout.target, checking, [groupIndex])) slots.push({ raw });
          creators.add(source.footer.metadata.created_by);
        }
      }
    }
    const { start, end } = chunk.range;
    recorded.push({ name: chunk.name, start, end, finishedAt: markerOf(chunk).finishedAt, firstRow: row, rows });
    row += rows;
  }
  await gathered.drain();
  return { slots, recorded, creators, pageIndexes };
}

export async function writeMergedFile(request: WriteRequest): Promise<WrittenFile> {
  const totals = mergeTotals(request.chunks);
  const worth = worthSegmentWorkers(totals);
  const { jsonl } = totals;
  // JSONL is written again whole: its workers start now, loading their modules while the schema is
  // inferred; otherwise at the first piece written again (rows copied as bytes never start them).
  const early = worth && jsonl ? openSegmentPool() : undefined;
  let pool = early;
  // Asked once, by the gathered rows' first piece.
  const workers = () => (pool ??= worth ? openSegmentPool() : undefined);
  // A file's first rows are read here while the workers start (a sample of about a MiB takes less
  // than a round trip to a worker); files read whole (every row's types) or whose first rows are
  // many MB are inferred on the early workers, several at a time, while the main thread notes them in order.
  const here = (source: JsonlSource) => source.typesFrom === 'first rows' && smallSample(source.rows, source.bytes);
  const infer = early
    ? { run: (source: JsonlSource) => (here(source) ? inferJsonlSchema(source) : inferOn(early, source)), ahead: INFERRED_AHEAD }
    : { run: inferJsonlSchema, ahead: 0 };
  try {
    return await writeWithWorkers(request, { workers, infer, totals });
  } finally {
    pool?.close();
  }
}

/** How a merge spreads its work: the segment workers (asked for at the first piece), the schema inference, and what sizes the segments. */
interface Parallelism {
  readonly workers: () => SegmentPool | undefined;
  readonly infer: { run: Infer; ahead: number };
  readonly totals: MergeTotals;
}

async function writeWithWorkers(request: WriteRequest, parallel: Parallelism): Promise<WrittenFile> {
  const layout = await layoutOf(request.chunks, request.schemasOf, request.keepRowGroups ?? false, parallel.infer);
  const targetSchema = flattenFields(layout.target);
  const finalPath = path.join(request.outputDir, mergedFileName(request.target));
  const tempPath = tempNameFor(finalPath);
  const out = new OutputFile(tempPath);
  const decode = (request.verify ?? DEFAULT_VERIFY) === 'pages';
  // Decoding every page is CPU work worth spreading over the cores; walking headers is not.
  const pool = decode ? PageCheckPool.open() : undefined;
  let synced: Promise<void> | undefined;
  // The index column of row groups written again is read back while later ones are encoded.
  const indexCheck =
    request.indexColumn === undefined
      ? undefined
      : IndexCheck.whileWriting(
          { file: tempPath, shownAs: finalPath, schema: targetSchema, column: request.indexColumn },
          request.chunks.map((chunk) => chunk.range),
        );
  try {
    const job = { target: layout.target, schema: targetSchema, decodeChecks: decode };
    const { slots, recorded, creators, pageIndexes } = await writeChunks(
      out,
      { decode, pool },
      layout,
      job,
      request.chunks,
      request.resolve,
      parallel,
      indexCheck,
    );
    writeIndexes(out, pageIndexes);
    // Re-encoded row groups go through hyparquet-writer's metadata conversion, then join the copied ones as raw thrift.
    const converted = rawFooterOf(
      targetSchema,
      slots.flatMap((slot) => ('encoded' in slot ? [slot.encoded] : [])),
    );
    const encodedRaw = (converted.field_4 ?? []) as RawThrift[];
    let nextEncoded = 0;
    // Of the target's schema, every byte copied ('fast') or some rows written again (small row groups, slices).
    const mergePath: MergePath = layout.sources !== 'target schema' ? layout.sources : encodedRaw.length > 0 ? 'coalesced' : 'fast';
    const record: MergeRecord = {
      version: 2,
      target: request.target,
      fingerprint: request.fingerprint,
      path: mergePath,
      chunks: recorded,
    };
    const inherited = (layout.twin?.footer.metadata.key_value_metadata ?? []).filter(
      (pair) => pair.key !== MERGE_RECORD_KEY && pair.key !== MERGE_SUMMARY_KEY,
    );
    writeFooter(out, {
      schema: layout.twin ? layout.twin.footer.raw.field_2 : converted.field_2,
      columnOrders: layout.twin ? layout.twin.footer.raw.field_7 : converted.field_7,
      rowGroups: slots.map((slot) => ('raw' in slot ? slot.raw : encodedRaw[nextEncoded++]!)),
      keyValues: [
        ...inherited,
        { key: MERGE_SUMMARY_KEY, value: JSON.stringify(summaryOf(record)) },
        { key: MERGE_RECORD_KEY, value: JSON.stringify(record) },
      ],
      // Readers key workarounds for known writer bugs on created_by: keep it while every page came from one writer.
      createdBy: slots.every((slot) => 'raw' in slot) && creators.size === 1 ? ([...creators][0] ?? MERGER) : MERGER,
    });
    // The fsync overlaps the read-back; the rename waits for both.
    synced = out.syncInBackground();
    await pool?.settle();
    const rows = verifyMergedFile({ file: tempPath, shownAs: finalPath, chunks: recorded, indexColumn: request.indexColumn }, indexCheck);
    await synced;
    renameSync(tempPath, finalPath);
    fsyncDir(request.outputDir);
    return { file: finalPath, rows, path: mergePath };
  } catch (error) {
    // The file is being removed for `error`: whether its sync also failed no longer matters.
    await synced?.catch(() => undefined);
    out.abandon();
    try {
      unlinkSync(tempPath);
    } catch {
      // Never created, or already renamed.
    }
    throw error;
  } finally {
    pool?.close();
  }
}
