/**
 * One target's merge (a device's file, or the one file of --all): everything it needs is in its
 * job, plain data, so it can run on a worker thread as well as here.
 */
import { unlinkSync } from 'node:fs';
import { fsyncDir } from '../core/atomic-file.js';
import type { VerifyLevel } from '../parquet/index.js';
import { chunkSchemas, resolveChunk, type JsonlTypesFrom } from './chunk-sources.js';
import { KeptFooterBytes } from '../core/parquet-footer-bytes.js';
import { deleteChunkData } from './delete-chunks.js';
import { JsonlTypesMissed } from './jsonl.js';
import { mergedFilesIn, previousMerges, type PreviousMerge } from './merged-files.js';
import type { MergeTarget } from './targets.js';
import { verifyMergedFile } from './verify.js';
import { writeMergedFile, type MergePath } from './write-merged.js';

export interface TargetJob {
  readonly outputDir: string;
  readonly target: MergeTarget;
  /** fingerprintOf(target): what the merged file must record to be a no-op. */
  readonly fingerprint: string;
  /** The command that finishes the run, for hints. */
  readonly finish: string;
  readonly indexColumn: string | undefined;
  readonly deleteChunks: boolean;
  readonly verify: VerifyLevel | undefined;
  readonly keepRowGroups: boolean | undefined;
}

export interface TargetOutcome {
  /** The device, or 'all'. */
  readonly device: string;
  readonly file: string;
  readonly rows: number;
  readonly unchanged: boolean;
  readonly path: MergePath;
}

/** The merged file that already holds exactly the job's chunks (re-merging is then a no-op), if there is one. */
function currentMerge(job: TargetJob, previous: readonly PreviousMerge[]): PreviousMerge | undefined {
  return previous.find((merge) => merge.target === job.target.name && merge.summary.fingerprint === job.fingerprint);
}

/** Whether the job's file is already merged: cheap (a footer per merged file), so decided before any worker starts. */
export function alreadyMerged(job: TargetJob): boolean {
  return currentMerge(job, previousMerges(job.outputDir)) !== undefined;
}

export async function mergeTarget(job: TargetJob): Promise<TargetOutcome> {
  const { outputDir, target, finish, indexColumn, deleteChunks } = job;
  const previous = previousMerges(outputDir);
  const fingerprint = job.fingerprint;
  const current = currentMerge(job, previous);
  let outcome: TargetOutcome;
  if (current) {
    // Deleting chunk data on the word of an existing file: read it back first, as after a write.
    const rows = deleteChunks
      ? verifyMergedFile({ file: current.file, shownAs: current.file, chunks: current.record.chunks, indexColumn })
      : Number(current.footer.metadata.num_rows);
    outcome = { device: target.name, file: current.file, rows, unchanged: true, path: current.summary.path };
  } else {
    // Each try's first pass keeps its footer reads for its second.
    const write = (typesFrom: JsonlTypesFrom, kept = new KeptFooterBytes()) =>
      writeMergedFile({
        outputDir,
        target: target.name,
        chunks: target.chunks,
        schemasOf: (chunk) => chunkSchemas(chunk, previous, finish, typesFrom, kept),
        resolve: (chunk) => resolveChunk(chunk, previous, finish, typesFrom, kept),
        fingerprint,
        indexColumn,
        verify: job.verify,
        keepRowGroups: job.keepRowGroups,
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
