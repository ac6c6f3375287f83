/** After the checks: dry run, --no-checkpoint, or a checkpointed run with its view, summary and merge. */
import { EXIT } from '../core/errors.js';
import { shellWord } from '../core/rerun-hint.js';
import { stopPhasesOfDeadRunner } from '../core/claims.js';
import { chunkAt, chunkCount, chunkName, itemCount, nameWidthFor } from '../core/plan.js';
import { describeSpans, spanItems, spansLength, splitSpans, uncommittedSpans } from '../core/chunk-spans.js';
import { committedRanges, scanDisk, type DiskState } from '../core/scan.js';
import type { RunEvent } from '../core/events.js';
import { describeEvent } from '../chunk-runner/describe-event.js';
import type { LaunchOptions } from './cli.js';
import type { PreparedLaunch } from './prepare.js';
import { recordRun } from './record-run.js';
import { backendFor } from './backends/backend-for.js';
import type { AttachedBackend } from './backends/backend.js';
import { ProgressModel } from './progress-model.js';
import { LiveView } from './live-view.js';
import { openLogFile, logEvent } from './event-log.js';
import { isNoteworthy, PlainProgress } from './plain-progress.js';
import { summaryLines, nothingToDoLine, stopCause } from './summary.js';
import { tryMergeAfterRun, type MergeResult } from './merge-after-run.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** The plan's chunks not committed on disk, as spans of grid indexes, and the scan they come from. */
function pendingSpans(launch: PreparedLaunch, scanned?: DiskState) {
  const total = chunkCount(launch.identity);
  const disk = scanned ?? scanDisk(launch.outputDir);
  const missing = uncommittedSpans(launch.identity, committedRanges(disk));
  return {
    total,
    disk,
    missing,
    missingCount: spansLength(missing),
    missingRanges: missing.map((span) => spanItems(launch.identity, span)),
  };
}

function printPlan(launch: PreparedLaunch, backend: AttachedBackend): number {
  const { identity } = launch;
  const { total, missing, missingCount } = pendingSpans(launch, launch.disk);
  const width = nameWidthFor(identity.end);
  out(`plan: phase ${identity.phase}, indexes ${identity.start}-${identity.end}, ${total} chunks of ${identity.checkpointFrequency}`);
  out(`output dir: ${launch.outputDir}; ${total - missingCount} chunks already committed, ${missingCount} to run`);
  const mode = launch.settings.worker ? ' (a worker per device, taking the chunks as messages)' : '';
  out(`command${mode}: ${launch.hostCommand.join(' ')}`);
  if (backend.name === 'ssh') {
    for (const runner of backend.runnerCommands()) out(`  host ${runner.host}: ${[runner.file, ...runner.args].join(' ')}`);
    out('dry run: nothing started (each host runs its own devices and takes pending chunks as they come)');
    return EXIT.ok;
  }
  const blocks = splitSpans(missing, launch.devices.length);
  launch.devices.forEach((device, i) => {
    const block = blocks[i] ?? [];
    const size = spansLength(block);
    const first = block[0] ? chunkName(chunkAt(identity, block[0].first), width) : '-';
    out(
      `  ${device.name}: starts with ${size} chunks (${size > 0 ? `${first}, ${describeSpans(identity, block)}` : 'none'}), then helps the others`,
    );
  });
  out('dry run: nothing started');
  return EXIT.ok;
}

export async function launch(prepared: PreparedLaunch, options: LaunchOptions, commandArgs: string[]): Promise<number> {
  const resumeCommand = ['launcher', ...commandArgs].map(shellWord).join(' ');
  const backend = backendFor({ prepared, options, commandLine: resumeCommand });
  const warnings = backend.name === 'local' ? [...prepared.warnings, ...prepared.deviceWarnings] : prepared.warnings;
  for (const warning of warnings) err(`launcher: warning: ${warning}`);
  if (backend.kind === 'submitting') {
    await backend.preflight();
    if (!options.dryRun) recordRun(prepared, backend.hostCount);
    return backend.submit();
  }
  if (options.dryRun) return printPlan(prepared, backend);
  const stop = new AbortController();
  const signals = { count: 0, first: undefined as NodeJS.Signals | undefined };

  if (!options.checkpoint) {
    const onSignal = (signal: NodeJS.Signals) => {
      signals.first ??= signal;
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const { runUncheckpointed } = await import('./run-uncheckpointed.js');
    const results = await runUncheckpointed(prepared, stop.signal, options.quiet ? () => {} : err);
    const failed = results.filter((r) => !r.ok);
    out(
      `--no-checkpoint: ${results.length - failed.length} of ${results.length} device slices done${failed.length > 0 ? `; failed: ${failed.map((f) => `${f.start}-${f.end} on ${f.device} (${f.outcome}, log ${f.log})`).join('; ')}` : ''}`,
    );
    if (signals.first) return signals.first === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    return failed.length > 0 ? EXIT.chunksFailed : EXIT.ok;
  }

  return runAttached(prepared, options, backend, resumeCommand, signals);
}

async function runAttached(
  prepared: PreparedLaunch,
  options: LaunchOptions,
  backend: AttachedBackend,
  resumeCommand: string,
  signals: { count: number; first: NodeJS.Signals | undefined },
): Promise<number> {
  await backend.preflight();
  const startedAt = Date.now();
  const before = pendingSpans(prepared, prepared.disk);
  const model = new ProgressModel(startedAt, itemCount(prepared.identity));
  model.setSkippedItems(itemCount(prepared.identity) - before.missingRanges.reduce((sum, r) => sum + itemCount(r), 0));
  const { logger, file: logFile } = openLogFile(prepared.outputDir, 'launcher', (message) => err(`launcher: ${message}`));
  logger.line('info', { event: 'launch', identity: prepared.identity, devices: prepared.devices.map((d) => d.name) }, 'launch');

  // Written before anything else, so a lost run.json comes back even when there is nothing to do.
  recordRun(prepared, backend.hostCount);
  if (before.missingCount === 0) {
    // Nothing runs, so the scan just made is still the truth: the merge's no-op check need not scan again.
    const { merged, error } = options.merge ? await tryMergeAfterRun(prepared, logger, before.disk) : NO_MERGE;
    report(options, { type: 'summary', nothingToDo: true, chunks: before.total, merged, mergeError: error });
    if (!options.json) {
      out(nothingToDoLine(prepared, before.total));
      merged.forEach((m) => out(`merged: ${m.file} (${m.rows} rows${m.unchanged ? ', unchanged' : ''})`));
    }
    if (error) err(`launcher: ${error}`);
    return error ? EXIT.chunksFailed : EXIT.ok;
  }

  // Loaded only now: a resume with nothing to do never pays for execa.
  const { CheckpointedRun } = await import('./run-checkpointed.js');
  const run = new CheckpointedRun(prepared, backend.runnerCommands());
  const tty = process.stderr.isTTY && !options.quiet && !options.json;
  const view = tty ? new LiveView(model, process.stderr) : undefined;
  const plain = !tty && !options.quiet && !options.json ? new PlainProgress(model, err) : undefined;
  run.on('event', (event: RunEvent) => {
    model.apply(event);
    logEvent(logger, event);
    if (options.json) out(JSON.stringify(event));
    else if (plain) plain.onEvent(event);
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
  plain?.start();

  const exits = await run.run();
  view?.stop();
  plain?.stop();
  const several = exits.length > 1;
  for (const runner of exits) {
    if (!runner.local || runner.pid === undefined || !runner.signal) continue;
    const stopped = stopPhasesOfDeadRunner(prepared.outputDir, runner.pid);
    err(`launcher: chunk-runner was killed by ${runner.signal}; stopped ${stopped} phase process group(s) it left running`);
  }
  const broken = (runner: (typeof exits)[number]) =>
    runner.exitCode === EXIT.usage ||
    (runner.exitCode !== EXIT.ok && runner.exitCode !== EXIT.chunksFailed && !signals.first && runner.stderr !== '');
  for (const runner of exits) if (runner.stderr) err(several ? `launcher: host ${runner.host}: ${runner.stderr}` : runner.stderr);
  if (exits.some((runner) => runner.exitCode === EXIT.usage)) return EXIT.usage;
  // One host broken among several: the others may have finished its chunks; the summary says what is missing.
  if (exits.every(broken)) return EXIT.chunksFailed;

  const after = pendingSpans(prepared);
  const stoppedBy = stopCause(signals.first, model);
  const { merged, error: mergeError } =
    after.missingCount === 0 && !signals.first && options.merge ? await tryMergeAfterRun(prepared, logger, after.disk) : NO_MERGE;
  const lines = summaryLines({
    launch: prepared,
    model,
    wallMs: Date.now() - startedAt,
    missing: after.missingRanges,
    stoppedBy,
    merged,
    mergeError,
    resumeCommand,
    logFile,
  });
  logger.line('info', { event: 'summary', missing: after.missingRanges, failed: model.failed.length }, lines.join(' | '));
  if (options.json)
    report(options, {
      type: 'summary',
      committed: model.committedChunks,
      skipped: model.skippedChunks,
      failed: model.failed,
      missing: after.missingRanges,
      merged,
      mergeError,
      stoppedBy,
    });
  else lines.forEach(out);

  if (signals.first) return signals.first === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  return after.missingCount > 0 || mergeError ? EXIT.chunksFailed : EXIT.ok;
}

const NO_MERGE: MergeResult = { merged: [], error: undefined };

function report(options: LaunchOptions, summary: Record<string, unknown>): void {
  if (options.json) out(JSON.stringify(summary));
}
