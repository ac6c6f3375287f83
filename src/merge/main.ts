#!/usr/bin/env node
/** merge-chunks: merge a checkpointed run's committed chunks into Parquet, per device or in one file. */
import path from 'node:path';
import { loadConfig, outputDirFor, phaseConfig } from '../core/config.js';
import { refuseUnknownOptions } from '../core/cli-errors.js';
import { EXIT, UsageError, errorMessage } from '../core/errors.js';
import { readRunFile } from '../core/run-file.js';
import { buildMergeProgram, type MergeCliOptions } from './cli.js';
import { describeMissing, mergeCommitted, type MergeOutcome } from './index.js';

function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

function describeOutcome(outcome: MergeOutcome): string {
  return `${shown(outcome.file)}  ${outcome.rows} rows  (${outcome.unchanged ? 'unchanged' : `${outcome.path} path`})`;
}

async function main(argv: string[]): Promise<void> {
  refuseUnknownOptions(buildMergeProgram, argv.slice(2));
  const options = buildMergeProgram().exitOverride().parse(argv).opts<MergeCliOptions>();
  if (options.phase === undefined && options.outputDir === undefined) {
    throw new UsageError('say which run to merge: --phase P (its outputDir from the config) or --output-dir DIR');
  }
  const cwd = process.cwd();
  const loaded = options.phase !== undefined || options.config !== undefined ? loadConfig(options.config, cwd) : undefined;
  const phase = loaded && options.phase !== undefined ? phaseConfig(loaded, options.phase) : undefined;
  const outputDir = outputDirFor(cwd, options.outputDir, () => phase!);
  const run = readRunFile(outputDir);
  if (run && options.phase !== undefined && run.phase !== options.phase) {
    throw new UsageError(
      `${outputDir} holds a run of phase ${run.phase}, not ${options.phase}; drop --phase or point --output-dir at phase ${options.phase}'s output`,
    );
  }
  const where = { config: options.config, outputDir: options.outputDir };
  const outcomes = await mergeCommitted({
    outputDir,
    device: options.device,
    all: options.all,
    allowPartial: options.allowPartial,
    deleteChunks: options.deleteChunks ?? loaded?.config.deleteChunksAfterMerge ?? false,
    // Without a config (a Slurm merge job), run.json records the phase's index column.
    indexColumn: phase?.indexColumn ?? run?.indexColumn,
    where,
    verify: options.verify,
    keepRowGroups: options.keepRowGroups,
  });
  for (const outcome of outcomes) process.stdout.write(`${describeOutcome(outcome)}\n`);
  const missing = outcomes[0]?.missing ?? [];
  if (missing.length > 0 && run) process.stderr.write(`merge-chunks: partial merge: ${describeMissing(run, missing, where)}\n`);
}

main(process.argv).then(
  () => {
    process.exitCode = EXIT.ok;
  },
  (error: unknown) => {
    const code = (error as { exitCode?: number }).exitCode;
    if ((error as { code?: string }).code?.startsWith('commander.')) {
      // Commander has printed its one line (or the help) already.
      process.exitCode = code === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write(`merge-chunks: ${errorMessage(error)}\n`);
    process.exitCode = code ?? EXIT.chunksFailed;
  },
);
