/** The merge at the end of a checkpointed run whose every chunk is committed. */
import type { Logger } from 'pino';
import type { PreparedLaunch } from './prepare.js';
import { errorMessage } from '../core/errors.js';
import { hintCommand } from '../core/rerun-hint.js';
import type { MergedFile } from './summary.js';

export async function mergeAfterRun(launch: PreparedLaunch, logger: Logger): Promise<MergedFile[]> {
  // Loaded here, not at start: a resume with nothing to do, or --no-merge, never pays for the Parquet code.
  const { mergeCommitted } = await import('../merge/index.js');
  const outcomes = await mergeCommitted({
    outputDir: launch.outputDir,
    indexColumn: launch.phase.indexColumn,
    deleteChunks: launch.loaded.config.deleteChunksAfterMerge,
  });
  for (const outcome of outcomes) logger.info({ event: 'merged', ...outcome }, `merged ${outcome.file} (${outcome.rows} rows)`);
  return outcomes.map(({ file, rows, unchanged }) => ({ file, rows, unchanged }));
}

export interface MergeResult {
  readonly merged: MergedFile[];
  /** Why the merge failed; the committed chunks are untouched and merge-chunks can retry it. */
  readonly error: string | undefined;
}

export async function tryMergeAfterRun(launch: PreparedLaunch, logger: Logger): Promise<MergeResult> {
  try {
    return { merged: await mergeAfterRun(launch, logger), error: undefined };
  } catch (error) {
    const message = `merge failed: ${errorMessage(error)}; the chunks stay committed: fix the cause, then run ${hintCommand('merge-chunks', ['--phase', launch.identity.phase], launch.where)}`;
    logger.error({ event: 'merge-failed' }, message);
    return { merged: [], error: message };
  }
}
