/** The merge at the end of a checkpointed run whose every chunk is committed. */
import type { EventLog } from './event-log.js';
import type { PreparedLaunch } from './prepare.js';
import { errorMessage } from '../core/errors.js';
import { hintCommand } from '../core/rerun-hint.js';
import type { DiskState } from '../core/scan.js';
import type { MergedFile } from './summary.js';

/** `disk`: the output dir as just scanned, when nothing can have changed since. */
export async function mergeAfterRun(launch: PreparedLaunch, logger: EventLog, disk?: DiskState): Promise<MergedFile[]> {
  // Loaded here, not at start: a resume with nothing to do, or --no-merge, never pays for the Parquet code.
  const { mergeCommitted } = await import('../merge/index.js');
  const outcomes = await mergeCommitted({
    outputDir: launch.outputDir,
    disk,
    indexColumn: launch.phase.indexColumn,
    deleteChunks: launch.loaded.config.deleteChunksAfterMerge,
  });
  for (const outcome of outcomes) logger.line('info', { event: 'merged', ...outcome }, `merged ${outcome.file} (${outcome.rows} rows)`);
  return outcomes.map(({ file, rows, unchanged }) => ({ file, rows, unchanged }));
}

export interface MergeResult {
  readonly merged: MergedFile[];
  /** Why the merge failed; the committed chunks are untouched and merge-chunks can retry it. */
  readonly error: string | undefined;
}

export async function tryMergeAfterRun(launch: PreparedLaunch, logger: EventLog, disk?: DiskState): Promise<MergeResult> {
  try {
    return { merged: await mergeAfterRun(launch, logger, disk), error: undefined };
  } catch (error) {
    const message = `merge failed: ${errorMessage(error)}; the chunks stay committed: fix the cause, then run ${hintCommand('merge-chunks', ['--phase', launch.identity.phase], launch.where)}`;
    logger.line('error', { event: 'merge-failed' }, message);
    return { merged: [], error: message };
  }
}
