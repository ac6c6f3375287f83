/** The end-of-run summary, as lines. Pure. */
import { formatDuration } from '../core/duration.js';
import { describeRanges } from '../core/plan.js';
import { failureSignature } from '../chunk-runner/failure-evidence.js';
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
    `phase ${identity.phase}: indexes ${identity.start}-${identity.end} (${items} items) in ${model.totalChunks} chunks of ${identity.checkpointFrequency}, devices ${(model.devices.size > 0 ? [...model.devices.keys()] : launch.devices.map((d) => d.name)).join(', ')}`,
  );
  lines.push(
    `chunks: ${model.committedChunks} done this run, ${model.skippedChunks} already committed (skipped), ${model.failed.length} failed; wall time ${formatDuration(facts.wallMs)}`,
  );
  for (const group of groupFailures(model.failed)) {
    const [first] = group;
    if (group.length === 1) {
      lines.push(`  FAILED ${first.start}-${first.end} on ${first.device} after ${first.attempts} attempt(s): ${first.reason}`);
    } else {
      const devices = [...new Set(group.map((failure) => failure.device))].sort().join(', ');
      lines.push(`  FAILED ${group.length} chunks the same way (${describeRanges(group)}) on ${devices}: ${first.reason}`);
    }
    if (first.log) lines.push(`    log: ${first.log}${group.length > 1 ? ' (and the same in the others)' : ''}`);
    for (const tail of first.logTail.slice(-5)) lines.push(`    | ${tail}`);
  }
  for (const warning of model.warnings) lines.push(`  warning: ${warning}`);
  lines.push(`outputs: ${launch.outputDir}/chunks/<device>/chunk_*  (log ${facts.logFile})`);
  for (const merged of facts.merged) lines.push(`merged: ${merged.file} (${merged.rows} rows${merged.unchanged ? ', unchanged' : ''})`);
  if (facts.mergeError) lines.push(facts.mergeError);
  if (facts.stoppedBy) {
    const reason = model.stopReason;
    if (reason && reason.why === facts.stoppedBy) {
      if (reason.log) lines.push(`  log: ${reason.log}`);
      for (const tail of reason.logTail.slice(-5)) lines.push(`  | ${tail}`);
    }
    lines.push(
      `stopped by ${facts.stoppedBy}; ${facts.missing.length > 0 ? `not yet committed: ${describeRanges(facts.missing)}` : 'everything is committed'}`,
    );
    lines.push(`to resume, run the same command: ${facts.resumeCommand}`);
  } else if (facts.missing.length > 0) {
    lines.push(`not committed: ${describeRanges(facts.missing)}; rerun the same command to retry exactly these: ${facts.resumeCommand}`);
  }
  return lines;
}

type Failure = ProgressModel['failed'][number];

/**
 * Failures with the same reason and the same last log line (numbers aside: they name the
 * chunk), each group sorted by range, groups by their first range.
 */
function groupFailures(failures: readonly Failure[]): [Failure, ...Failure[]][] {
  const groups = new Map<string, Failure[]>();
  for (const failure of [...failures].sort((a, b) => a.start - b.start)) {
    const key = failureSignature(failure.reason, failure.logTail).replace(/\d+/g, '#');
    groups.set(key, [...(groups.get(key) ?? []), failure]);
  }
  return [...groups.values()] as [Failure, ...Failure[]][];
}

/** What stopped the run early: a signal the launcher got, else the runner's own reason; never a guess. */
export function stopCause(signal: string | undefined, model: ProgressModel): string | undefined {
  return signal ?? model.stopReason?.why;
}

export function nothingToDoLine(launch: PreparedLaunch, chunks: number): string {
  const { identity } = launch;
  return `nothing to do: all ${chunks} chunks of phase ${identity.phase} (${identity.start}-${identity.end}) were already committed in ${launch.outputDir}`;
}
