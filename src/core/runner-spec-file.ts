/**
 * runner-spec.json: everything a chunk-runner needs beyond run.json, written by the launcher
 * into the output dir so that a runner on any host (local, Slurm task, SSH host) reads the
 * same checked spec. Relative to the output dir and the runner's working dir only: nothing
 * in it names the launching host's absolute paths.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic-file.js';
import { UsageError, errorMessage } from './errors.js';

export const RUNNER_SPEC_FILE = 'runner-spec.json';

const ms = z.number().int().nonnegative();

export const runnerSpecFileSchema = z
  .object({
    version: z.literal(1),
    phase: z.string(),
    /** The phase's command template and the config's python: where {python} is, to start the interpreter itself. */
    commandTemplate: z.array(z.string()),
    python: z.string(),
    /** How many hosts run this run: with more than one, device folders are host-qualified. */
    hosts: z.number().int().positive(),
    settings: z.object({
      retries: z.number().int().nonnegative(),
      retryBackoffMs: ms,
      chunkTimeoutMs: ms.nullable(),
      killGraceMs: ms,
      stopGraceMs: ms,
      leaseMs: z.number().int().positive(),
      maxConsecutiveDeviceFailures: z.number().int().positive(),
      maxLogBytes: z.number().int().positive(),
      /** Set for a worker phase: one long-lived process per device takes the chunks. */
      worker: z.object({ maxChunks: z.number().int().positive().optional(), readyTimeoutMs: ms }).nullable(),
    }),
    outputDirEnv: z.string(),
    phaseEnv: z.record(z.string(), z.string()),
    deviceEnv: z.record(z.string(), z.record(z.string(), z.string())),
  })
  .strict();

export type RunnerSpecFile = z.infer<typeof runnerSpecFileSchema>;

export function runnerSpecPath(outputDir: string): string {
  return path.join(outputDir, RUNNER_SPEC_FILE);
}

export function writeRunnerSpecFile(outputDir: string, spec: RunnerSpecFile): void {
  writeJsonAtomic(runnerSpecPath(outputDir), runnerSpecFileSchema.parse(spec));
}

export function readRunnerSpecFile(file: string): RunnerSpecFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read the runner spec ${file} (${errorMessage(error)}); the launcher writes it into the output dir, which every host must see at the same relative path`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not valid JSON; rerun the launcher to write it again`);
  }
  const parsed = runnerSpecFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${file} is not a runner spec (${issue?.path.join('.')}: ${issue?.message}); rerun the launcher to write it again`,
    );
  }
  return parsed.data;
}
