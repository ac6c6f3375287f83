/** The end-of-run summary, as lines. Pure. */
import { formatDuration } from '../core/duration.js';
import { describeRanges } from '../core/plan.js';
import type { PreparedLaunch } from './prepare.js';
import type { ProgressModel } from './progress-model.js';

export interface MergedFile {
  readonly file: string;
  readonly rows: number;
  readonly unchanged: boolean;
}

export interface SummaryFacts {
  readonly launch: PreparedLaunch;
  readonly model: ProgressModel;
  readonly wallMs: number;
  readonly missing: { start: number; end: number }[];
  readonly stoppedBy: string | undefined;
  readonly merged: readonly MergedFile[];
  /** Why the end-of-run merge failed, with the command that retries it. */
  readonly mergeError?: string;
  readonly resumeCommand: string;
  readonly logFile: string;
}

export function summaryLines(facts: SummaryFacts): string[] {
  const { launch, model } = facts;
  const { identity } = launch;
  const lines: string[] = [];
  const items = identity.end - identity.start + 1;
  lines.push(
    `phase ${identity.phase}: indexes ${identity.start}-${identity.end} (${items} items) in ${model.totalChunks} chunks of ${identity.checkpointFrequency}, devices ${launch.devices.map((d) => d.name).join(', ')}`,
  );
  lines.push(
    `chunks: ${model.committedChunks} done this run, ${model.skippedChunks} already committed (skipped), ${model.failed.length} failed; wall time ${formatDuration(facts.wallMs)}`,
  );
  for (const failure of model.failed) {
    lines.push(`  FAILED ${failure.start}-${failure.end} on ${failure.device} after ${failure.attempts} attempt(s): ${failure.reason}`);
    if (failure.log) lines.push(`    log: ${failure.log}`);
    for (const tail of failure.logTail.slice(-5)) lines.push(`    | ${tail}`);
  }
  for (const warning of model.warnings) lines.push(`  warning: ${warning}`);
  lines.push(`outputs: ${launch.outputDir}/chunks/<device>/chunk_*  (log ${facts.logFile})`);
  for (const merged of facts.merged) lines.push(`merged: ${merged.file} (${merged.rows} rows${merged.unchanged ? ', unchanged' : ''})`);
  if (facts.mergeError) lines.push(facts.mergeError);
  if (facts.stoppedBy) {
    lines.push(
      `stopped by ${facts.stoppedBy}; ${facts.missing.length > 0 ? `not yet committed: ${describeRanges(facts.missing)}` : 'everything is committed'}`,
    );
    lines.push(`to resume, run the same command: ${facts.resumeCommand}`);
  } else if (facts.missing.length > 0) {
    lines.push(`not committed: ${describeRanges(facts.missing)}; rerun the same command to retry exactly these: ${facts.resumeCommand}`);
  }
  return lines;
}

/** What stopped the run early: a signal the launcher got, else the runner's own reason; never a guess. */
export function stopCause(signal: string | undefined, model: ProgressModel): string | undefined {
  return signal ?? model.stopReason;
}

export function nothingToDoLine(launch: PreparedLaunch, chunks: number): string {
  const { identity } = launch;
  return `nothing to do: all ${chunks} chunks of phase ${identity.phase} (${identity.start}-${identity.end}) were already committed in ${launch.outputDir}`;
}
