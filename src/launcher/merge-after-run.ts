/** The merge at the end of a successful checkpointed run. */
import type { Logger } from 'pino';
import type { PreparedLaunch } from './prepare.js';
import type { MergedFile } from './summary.js';

export async function mergeAfterRun(_launch: PreparedLaunch, _logger: Logger): Promise<MergedFile[]> {
  return [];
}
