/** The merge as a library: what the launcher calls after a successful run, and what merge-chunks runs. */
import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../core/atomic-file.js';
import { DataError, UsageError } from '../core/errors.js';
import type { ChunkRange } from '../core/plan.js';
import type { RunLocation } from '../core/rerun-hint.js';
import { readRunFile } from '../core/run-file.js';
import { scanDisk, type DiskState } from '../core/scan.js';
import { chunkSchemas, resolveChunk, type JsonlTypesFrom } from './chunk-sources.js';
import { JsonlTypesMissed } from './jsonl.js';
import { deleteChunkData } from './delete-chunks.js';
import { fingerprintOf } from './merge-record.js';
import { mergedFilesIn, previousMerges, removeAbandonedTempFiles } from './merged-files.js';
import { lockMergeTarget } from './merge-lock.js';
import { finishCommand, planMerge, refuseIncomplete, type MergeTarget } from './targets.js';
import type { VerifyLevel } from '../parquet/index.js';
import { verifyMergedFile } from './verify.js';
import { writeMergedFile, type MergePath } from './write-merged.js';

export { ALL_TARGET, describeMissing } from './targets.js';
export type { MergePath } from './write-merged.js';
export { DEFAULT_VERIFY, VERIFY_LEVELS, type VerifyLevel } from '../parquet/index.js';

export interface MergeRequest {
  readonly outputDir: string;
  /** One device folder; neither this nor `all`: every device folder with committed chunks. */
  readonly device?: string;
  /** One file over the whole range, in index order. */
  readonly all?: boolean;
  /** Merge what is committed even when chunks of the plan are missing (see MergeOutcome.missing). */
  readonly allowPartial?: boolean;
  /** Delete the chunks' data files once the merged file is written, fsynced and verified. */
  readonly deleteChunks?: boolean;
  /** The index column to check when run.json records none (e.g. from the phase's config). */
  readonly indexColumn?: string;
  /** The --config and --output-dir the user gave, kept in the hints this prints. */
  readonly where?: RunLocation;
  /** How much of each copied chunk file is checked (default: every page header). */
  readonly verify?: VerifyLevel;
  /** The output dir as the caller just scanned it (the launcher at the end of a run): saves scanning it again. */
  readonly disk?: DiskState;
  /** Copy every row group of identical schemas as it is, small ones too (default: small ones are gathered into bigger ones). */
  readonly keepRowGroups?: boolean;
}

export interface MergeOutcome {
  /** The device, or 'all'. */
  readonly device: string;
  readonly file: string;
  readonly rows: number;
  /** True when the existing merged file already held exactly these chunks: nothing was written. */
  readonly unchanged: boolean;
  /** fast: row groups copied as bytes; mixed: some chunks re-encoded to a unified schema; jsonl: converted from JSONL. */
  readonly path: MergePath;
  /** Chunks of the plan committed nowhere (non-empty only with allowPartial). */
  readonly missing: readonly ChunkRange[];
}

export async function mergeCommitted(request: MergeRequest): Promise<MergeOutcome[]> {
  const outputDir = path.resolve(request.outputDir);
  const run = readRunFile(outputDir);
  if (!run)
    throw new UsageError(
      `${outputDir} has no run.json: it is not the output dir of a checkpointed launcher run (pass --output-dir DIR, or --phase P whose outputDir it is)`,
    );
  removeAbandonedTempFiles(outputDir);
  const plan = planMerge(request.disk ?? scanDisk(outputDir), run, request);
  if (plan.missing.length > 0 && !request.allowPartial) refuseIncomplete(run, plan.missing, request.where);
  if (plan.targets.every((target) => target.chunks.length === 0))
    throw new DataError(`no committed chunks to merge under ${path.join(outputDir, 'chunks')}`);
  const indexColumn = run.indexColumn ?? request.indexColumn;
  const outcomes: MergeOutcome[] = [];
  for (const target of plan.targets) {
    if (target.chunks.length === 0) throw new DataError(`device ${target.name} has no committed chunks to merge`);
    const release = lockMergeTarget(outputDir, target.name);
    try {
      const merged = await mergeTarget(outputDir, target, finishCommand(run, request.where), indexColumn, request);
      outcomes.push({ ...merged, missing: plan.missing });
    } finally {
      release();
    }
  }
  return outcomes;
}

async function mergeTarget(
  outputDir: string,
  target: MergeTarget,
  finish: string,
  indexColumn: string | undefined,
  request: MergeRequest,
): Promise<Omit<MergeOutcome, 'missing'>> {
  const deleteChunks = request.deleteChunks ?? false;
  const previous = previousMerges(outputDir);
  const fingerprint = fingerprintOf(target.name, target.chunks);
  const current = previous.find((merge) => merge.target === target.name && merge.summary.fingerprint === fingerprint);
  let outcome: Omit<MergeOutcome, 'missing'>;
  if (current) {
    // Deleting chunk data on the word of an existing file: read it back first, as after a write.
    const rows = deleteChunks
      ? await verifyMergedFile({ file: current.file, shownAs: current.file, chunks: current.record.chunks, indexColumn })
      : Number(current.footer.metadata.num_rows);
    outcome = { device: target.name, file: current.file, rows, unchanged: true, path: current.summary.path };
  } else {
    const write = (typesFrom: JsonlTypesFrom) =>
      writeMergedFile({
        outputDir,
        target: target.name,
        chunks: target.chunks,
        schemasOf: (chunk) => chunkSchemas(chunk, previous, finish, typesFrom),
        resolve: (chunk) => resolveChunk(chunk, previous, finish, typesFrom),
        fingerprint,
        indexColumn,
        verify: request.verify,
        keepRowGroups: request.keepRowGroups,
      });
    // JSONL types are first taken from each file's first rows; a later row that does not fit them costs one more try.
    const written = await write('first rows').catch((error: unknown) => {
      if (error instanceof JsonlTypesMissed) return write('every row');
      throw error;
    });
    outcome = { device: target.name, file: written.file, rows: written.rows, unchanged: false, path: written.path };
  }
  removeOtherMergedFiles(outputDir, target.name, outcome.file);
  if (deleteChunks) deleteChunkData(target.chunks);
  return outcome;
}

/** Never two merged files for one device: the older ones go once the new one is in place. */
function removeOtherMergedFiles(outputDir: string, target: string, keep: string): void {
  let removed = false;
  for (const { file, target: owner } of mergedFilesIn(outputDir)) {
    if (owner !== target || file === keep) continue;
    unlinkSync(file);
    removed = true;
  }
  if (removed) fsyncDir(outputDir);
}
