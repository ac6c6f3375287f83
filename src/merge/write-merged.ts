/**
 * Writes one merged file: every chunk's rows in index order, by the fastest path each chunk
 * allows, to a temp name; fsynced, verified, then renamed into place.
 */
import { renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { RowGroup } from 'hyparquet';
import { ParquetWriter } from 'hyparquet-writer';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { fsyncDir, tempNameFor } from '../core/atomic-file.js';
import { mergedFileName } from '../core/layout.js';
import type { ChunkSource, ParquetSource, ResolvedChunk } from './chunk-sources.js';
import {
  type CopyChecks,
  copyRowGroups,
  DEFAULT_VERIFY,
  type VerifyLevel,
  type Field,
  flattenFields,
  OutputFile,
  PageCheckPool,
  RowGroupDecoder,
  rawFooterOf,
  type RawThrift,
  sameLeafOrder,
  sameShape,
  unifySchemas,
  writeCompressors,
  writeFooter,
} from '../parquet/index.js';
import { inferJsonlSchema, writeJsonlRowGroups } from './jsonl.js';
import { MERGE_RECORD_KEY, type MergePath, type RecordedChunk } from './merge-record.js';
import { checkReencodable, reencodeRowGroups, columnConverter, sourceReencodeProblem, type ColumnConverter } from './reencode.js';
import { RowBatcher, worthCopying } from './row-batcher.js';
import { verifyMergedFile } from './verify.js';

export type { MergePath } from './merge-record.js';

export interface WriteRequest {
  readonly outputDir: string;
  readonly target: string;
  readonly chunks: readonly ResolvedChunk[];
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

type WriterSchema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];

/** How each source gets into the file: the target schema, and which sources are copied as bytes. */
interface Layout {
  readonly target: Field;
  readonly copied: ReadonlySet<ChunkSource>;
  readonly path: MergePath;
  /** A copied source with exactly the target's schema: lends its footer's schema and key-values (ARROW:schema). */
  readonly twin: ParquetSource | undefined;
  /** Whether small row groups may be decoded and gathered into bigger ones. */
  readonly coalesce: boolean;
}

async function layoutOf(chunks: readonly ResolvedChunk[], keepRowGroups: boolean): Promise<Layout> {
  const sources = chunks.flatMap((chunk) => chunk.sources);
  // Sources with one schema share one tree (parquetSource): each distinct tree is looked at once.
  const trees = new Set<Field>();
  for (const source of sources) trees.add(source.kind === 'parquet' ? source.tree : await inferJsonlSchema(source));
  const target = unifySchemas([...trees]);
  const parquet = sources.filter((source): source is ParquetSource => source.kind === 'parquet');
  const shapes = new Map<Field, boolean>();
  const sameAsTarget = (tree: Field) => {
    let same = shapes.get(tree);
    if (same === undefined) shapes.set(tree, (same = sameShape(tree, target)));
    return same;
  };
  const copied = new Set<ChunkSource>(parquet.filter((source) => sameAsTarget(source.tree)));
  // Refuse before writing anything.
  const checked = new Set<Field>();
  for (const source of parquet) {
    if ((copied.has(source) && !source.rowSlice) || checked.has(source.tree)) continue;
    checkReencodable(source);
    checked.add(source.tree);
  }
  const path: MergePath = copied.size === sources.length ? 'fast' : parquet.length === 0 ? 'jsonl' : 'mixed';
  const twin = parquet.find((source) => copied.has(source) && sameLeafOrder(source.tree, target));
  // Small row groups are gathered only where every column can be written again exactly.
  const parquetTrees = new Set(parquet.map((source) => source.tree));
  const coalesce = !keepRowGroups && [...parquetTrees].every((tree) => sourceReencodeProblem(tree) === undefined);
  return { target, copied, path, twin, coalesce };
}

type Slot = { raw: RawThrift } | { encoded: RowGroup };

/** Every chunk's rows, in index order: big row groups copied as bytes, the rest gathered into row groups of sensible size. */
async function writeChunks(out: OutputFile, writer: ParquetWriter, checking: CopyChecks, layout: Layout, chunks: readonly ResolvedChunk[]) {
  const slots: Slot[] = [];
  const recorded: RecordedChunk[] = [];
  const batcher = new RowBatcher(
    writer,
    layout.target.children.map((field) => field.element.name),
  );
  const decoder = new RowGroupDecoder(checking.decode);
  const converters = new Map<Field, ColumnConverter>();
  const converterOf = (source: ParquetSource) => {
    let convert = converters.get(source.tree);
    if (!convert) converters.set(source.tree, (convert = columnConverter(source, layout.target)));
    return convert;
  };
  // Row groups hyparquet-writer finished since the last look, in file order.
  const takeEncoded = () => {
    for (let index = encodedSeen; index < writer.row_groups.length; index++) slots.push({ encoded: writer.row_groups[index]! });
    encodedSeen = writer.row_groups.length;
  };
  let encodedSeen = 0;
  let row = 0;
  for (const { chunk, sources, rows } of chunks) {
    for (const source of sources) {
      if (source.kind === 'jsonl') {
        await writeJsonlRowGroups(batcher, source, layout.target);
      } else if (!layout.copied.has(source) || source.rowSlice) {
        await reencodeRowGroups(batcher, decoder, source, converterOf(source));
      } else {
        for (const groupIndex of source.rowGroups) {
          const group = source.footer.metadata.row_groups[groupIndex]!;
          const compressed = group.columns.reduce((sum, column) => sum + Number(column.meta_data!.total_compressed_size), 0);
          if (layout.coalesce && !worthCopying(Number(group.num_rows), compressed)) {
            await reencodeRowGroups(batcher, decoder, source, converterOf(source), [groupIndex]);
            continue;
          }
          // Rows gathered so far come first: the file stays in index order.
          batcher.flush();
          takeEncoded();
          for (const raw of copyRowGroups(out, source, layout.target, checking, [groupIndex])) slots.push({ raw });
        }
      }
      takeEncoded();
    }
    const { start, end } = chunk.range;
    recorded.push({ name: chunk.name, start, end, finishedAt: chunk.marker!.finishedAt, firstRow: row, rows });
    row += rows;
  }
  batcher.flush();
  takeEncoded();
  return { slots, recorded };
}

export async function writeMergedFile(request: WriteRequest): Promise<WrittenFile> {
  const layout = await layoutOf(request.chunks, request.keepRowGroups ?? false);
  const targetSchema = flattenFields(layout.target);
  const finalPath = path.join(request.outputDir, mergedFileName(request.target));
  const tempPath = tempNameFor(finalPath);
  const out = new OutputFile(tempPath);
  const decode = (request.verify ?? DEFAULT_VERIFY) === 'pages';
  // Decoding every page is CPU work worth spreading over the cores; walking headers is not.
  const pool = decode ? PageCheckPool.open() : undefined;
  try {
    // hyparquet-writer pins an older hyparquet whose LogicalType lacks FILE; the shapes are otherwise one.
    const writer = new ParquetWriter({ writer: out, schema: targetSchema as WriterSchema, codec: 'SNAPPY', compressors: writeCompressors });
    const { slots, recorded } = await writeChunks(out, writer, { decode, pool }, layout, request.chunks);
    writeIndexes(out, writer.pendingIndexes);
    // Re-encoded row groups go through hyparquet-writer's metadata conversion, then join the copied ones as raw thrift.
    const converted = rawFooterOf(
      targetSchema,
      slots.flatMap((slot) => ('encoded' in slot ? [slot.encoded] : [])),
    );
    const encodedRaw = (converted.field_4 ?? []) as RawThrift[];
    let nextEncoded = 0;
    const record = { version: 2, target: request.target, fingerprint: request.fingerprint, path: layout.path, chunks: recorded };
    const inherited = (layout.twin?.footer.metadata.key_value_metadata ?? []).filter((pair) => pair.key !== MERGE_RECORD_KEY);
    const creators = new Set([...layout.copied].map((source) => (source as ParquetSource).footer.metadata.created_by));
    writeFooter(out, {
      schema: layout.twin ? layout.twin.footer.raw.field_2 : converted.field_2,
      columnOrders: layout.twin ? layout.twin.footer.raw.field_7 : converted.field_7,
      rowGroups: slots.map((slot) => ('raw' in slot ? slot.raw : encodedRaw[nextEncoded++]!)),
      keyValues: [...inherited, { key: MERGE_RECORD_KEY, value: JSON.stringify(record) }],
      // Readers key workarounds for known writer bugs on created_by: keep it while every page came from one writer.
      createdBy: slots.every((slot) => 'raw' in slot) && creators.size === 1 ? ([...creators][0] ?? MERGER) : MERGER,
    });
    out.sync();
    await pool?.settle();
    const rows = await verifyMergedFile({ file: tempPath, shownAs: finalPath, chunks: recorded, indexColumn: request.indexColumn });
    renameSync(tempPath, finalPath);
    fsyncDir(request.outputDir);
    return { file: finalPath, rows, path: layout.path };
  } catch (error) {
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
