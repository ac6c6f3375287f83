/** After the checks: dry run, --no-checkpoint, or a checkpointed run with its view, summary and merge. */
import { EXIT } from '../core/errors.js';
import { stopPhasesOfDeadRunner } from '../core/claims.js';
import { chunkGrid, chunkName, contiguousBlocks, describeRanges, itemCount, nameWidthFor } from '../core/plan.js';
import { scanDisk, rangeKey } from '../core/scan.js';
import type { RunEvent } from '../core/events.js';
import { describeEvent } from '../chunk-runner/describe-event.js';
import type { LaunchOptions } from './cli.js';
import type { PreparedLaunch } from './prepare.js';
import { CheckpointedRun } from './run-checkpointed.js';
import { runUncheckpointed } from './run-uncheckpointed.js';
import { ProgressModel } from './progress-model.js';
import { LiveView } from './live-view.js';
import { openLogFile, stderrLogger, logEvent } from './event-log.js';
import { summaryLines, nothingToDoLine } from './summary.js';
import { tryMergeAfterRun, type MergeResult } from './merge-after-run.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function pendingRanges(launch: PreparedLaunch) {
  const disk = scanDisk(launch.outputDir);
  const grid = chunkGrid(launch.identity);
  return { grid, disk, missing: grid.filter((range) => !disk.committed.has(rangeKey(range))) };
}

function printPlan(launch: PreparedLaunch): number {
  const { grid, missing } = pendingRanges(launch);
  const width = nameWidthFor(launch.identity.end);
  out(
    `plan: phase ${launch.identity.phase}, indexes ${launch.identity.start}-${launch.identity.end}, ${grid.length} chunks of ${launch.identity.checkpointFrequency}`,
  );
  out(`output dir: ${launch.outputDir}; ${grid.length - missing.length} chunks already committed, ${missing.length} to run`);
  out(`command: ${launch.identity.command.join(' ')}`);
  const blocks = contiguousBlocks(missing, launch.devices.length);
  launch.devices.forEach((device, i) => {
    const block = blocks[i] ?? [];
    const first = block[0] ? chunkName(block[0], width) : '-';
    out(
      `  ${device.name}: starts with ${block.length} chunks (${block.length > 0 ? `${first}, ${describeRanges(block)}` : 'none'}), then helps the others`,
    );
  });
  out('dry run: nothing started');
  return EXIT.ok;
}

export async function launch(prepared: PreparedLaunch, options: LaunchOptions, commandArgs: string[]): Promise<number> {
  for (const warning of prepared.warnings) err(`launcher: warning: ${warning}`);
  if (options.dryRun) return printPlan(prepared);
  const resumeCommand = `launcher ${commandArgs.map((a) => (/^[\w.,:/=+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`;
  const stop = new AbortController();
  const signals = { count: 0, first: undefined as NodeJS.Signals | undefined };

  if (!options.checkpoint) {
    const onSignal = (signal: NodeJS.Signals) => {
      signals.first ??= signal;
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const results = await runUncheckpointed(prepared, stop.signal, options.quiet ? () => {} : err);
    const failed = results.filter((r) => !r.ok);
    out(
      `--no-checkpoint: ${results.length - failed.length} of ${results.length} device slices done${failed.length > 0 ? `; failed: ${failed.map((f) => `${f.start}-${f.end} on ${f.device} (${f.outcome}, log ${f.log})`).join('; ')}` : ''}`,
    );
    if (signals.first) return signals.first === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    return failed.length > 0 ? EXIT.chunksFailed : EXIT.ok;
  }

  const startedAt = Date.now();
  const before = pendingRanges(prepared);
  const model = new ProgressModel(startedAt, itemCount(prepared.identity));
  model.setSkippedItems(itemCount(prepared.identity) - before.missing.reduce((sum, r) => sum + itemCount(r), 0));
  const { logger, file: logFile } = openLogFile(prepared.outputDir, 'launcher');
  logger.info({ event: 'launch', identity: prepared.identity, devices: prepared.devices.map((d) => d.name) }, 'launch');

  if (before.missing.length === 0) {
    // Nothing runs, so the scan just made is still the truth: the merge's no-op check need not scan again.
    const { merged, error } = options.merge ? await tryMergeAfterRun(prepared, logger, before.disk) : NO_MERGE;
    report(options, { type: 'summary', nothingToDo: true, chunks: before.grid.length, merged, mergeError: error });
    if (!options.json) {
      out(nothingToDoLine(prepared, before.grid.length));
      merged.forEach((m) => out(`merged: ${m.file} (${m.rows} rows${m.unchanged ? ', unchanged' : ''})`));
    }
    if (error) err(`launcher: ${error}`);
    return error ? EXIT.chunksFailed : EXIT.ok;
  }

  const run = new CheckpointedRun(prepared);
  run.recordRun();
  const tty = process.stderr.isTTY && !options.quiet && !options.json;
  const view = tty ? new LiveView(model, process.stderr) : undefined;
  const terminalLog = !tty && !options.quiet && !options.json ? stderrLogger() : undefined;
  run.on('event', (event: RunEvent) => {
    model.apply(event);
    logEvent(logger, event);
    if (options.json) out(JSON.stringify(event));
    else if (terminalLog) logEvent(terminalLog, event);
    else if (view && isNoteworthy(event)) view.note(describeEvent(event));
  });
  const onSignal = (signal: NodeJS.Signals) => {
    signals.first ??= signal;
    signals.count++;
    run.stop(signals.count === 1 ? 'graceful' : 'now');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  view?.start();

  const runner = await run.run();
  view?.stop();
  if (runner.pid !== undefined && runner.signal) {
    const stopped = stopPhasesOfDeadRunner(prepared.outputDir, runner.pid);
    err(`launcher: chunk-runner was killed by ${runner.signal}; stopped ${stopped} phase process group(s) it left running`);
  }
  if (
    runner.exitCode === EXIT.usage ||
    (runner.exitCode !== EXIT.ok && runner.exitCode !== EXIT.chunksFailed && !signals.first && runner.stderr)
  ) {
    err(runner.stderr);
    return runner.exitCode === EXIT.usage ? EXIT.usage : EXIT.chunksFailed;
  }
  if (runner.stderr) err(runner.stderr);

  const after = pendingRanges(prepared);
  const stoppedBy = signals.first ?? (model.stopping ? 'a problem with the output dir' : undefined);
  const { merged, error: mergeError } =
    after.missing.length === 0 && !signals.first && options.merge ? await tryMergeAfterRun(prepared, logger) : NO_MERGE;
  const lines = summaryLines({
    launch: prepared,
    model,
    wallMs: Date.now() - startedAt,
    missing: after.missing,
    stoppedBy,
    merged,
    resumeCommand,
    logFile,
  });
  logger.info({ event: 'summary', missing: after.missing, failed: model.failed.length }, lines.join(' | '));
  if (options.json)
    report(options, {
      type: 'summary',
      committed: model.committedChunks,
      skipped: model.skippedChunks,
      failed: model.failed,
      missing: after.missing,
      merged,
      stoppedBy,
    });
  else lines.forEach(out);

  if (signals.first) return signals.first === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  return after.missing.length > 0 || mergeError ? EXIT.chunksFailed : EXIT.ok;
}

const NO_MERGE: MergeResult = { merged: [], error: undefined };

function report(options: LaunchOptions, summary: Record<string, unknown>): void {
  if (options.json) out(JSON.stringify(summary));
}

function isNoteworthy(event: RunEvent): boolean {
  return ['attempt-failed', 'chunk-failed', 'device-removed', 'warning', 'stopping', 'chunk-waiting'].includes(event.type);
}
