/** run.json: the identity of a run in an output dir, so two plans never mix silently. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic-file.js';
import { createExclusive } from './lease-file.js';
import { runFilePath } from './layout.js';
import { UsageError } from './errors.js';
import { builtInConfigFile } from './config.js';
import { configDirOnThisHost, expandConfigDir } from './command.js';

export const runIdentitySchema = z.object({
  phase: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  checkpointFrequency: z.number().int().positive(),
  /**
   * The phase's argv template with the run-wide values (python, model, extra args) filled in;
   * `{configDir}` stays a placeholder that each host resolves (see configDir below).
   */
  command: z.array(z.string()),
  /**
   * Where `{configDir}` points: "builtin" (each host's own chunkrun config/ folder) or a path
   * relative to the working dir. Absent in version 1 files, whose command holds the launching
   * host's absolute expansion.
   */
  configDir: z.string().optional(),
});

export const runFileSchema = runIdentitySchema.extend({
  version: z.union([z.literal(1), z.literal(2)]),
  createdAt: z.string(),
  outputs: z.array(z.string()),
  indexColumn: z.string().optional(),
});

export type RunIdentity = z.infer<typeof runIdentitySchema>;
export type RunFile = z.infer<typeof runFileSchema>;

export function readRunFile(outputDir: string): RunFile | undefined {
  const file = runFilePath(outputDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not valid JSON; move it aside to start this output dir afresh`);
  }
  const parsed = runFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `${file} is not a chunkrun run file (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
    );
  }
  return parsed.data;
}

/** What differs between a recorded run and a new one, one phrase per field; empty when none. */
export function runDifferences(recorded: RunIdentity, requested: RunIdentity): string[] {
  const differences: string[] = [];
  const fields = ['phase', 'start', 'end', 'checkpointFrequency', 'configDir'] as const;
  for (const field of fields) {
    if (recorded[field] !== requested[field]) {
      differences.push(`${field} ${JSON.stringify(recorded[field])} -> ${JSON.stringify(requested[field])}`);
    }
  }
  if (JSON.stringify(recorded.command) !== JSON.stringify(requested.command)) {
    differences.push(`command ${recorded.command.join(' ')} -> ${requested.command.join(' ')}`);
  }
  return differences;
}

/** runDifferences(a, b) is empty; without building its phrases (called once per marker in a scan). */
export function sameRunIdentity(a: RunIdentity, b: RunIdentity): boolean {
  return (
    a.phase === b.phase &&
    a.start === b.start &&
    a.end === b.end &&
    a.checkpointFrequency === b.checkpointFrequency &&
    a.configDir === b.configDir &&
    a.command.length === b.command.length &&
    a.command.every((arg, i) => arg === b.command[i])
  );
}

export function writeRunFile(outputDir: string, run: RunFile): void {
  writeJsonAtomic(runFilePath(outputDir), runFileSchema.parse(run));
}

/**
 * Create run.json only where there is none, in one atomic step: of two launchers that both
 * found it missing, one creates it and the other gets the winner's back to compare with.
 * Undefined when this call created it.
 */
export function createRunFile(outputDir: string, run: RunFile): RunFile | undefined {
  const file = runFilePath(outputDir);
  const content = `${JSON.stringify(runFileSchema.parse(run), null, 2)}\n`;
  // Another launcher's run.json that vanishes again between our link and our read: try again, a few times.
  for (let tries = 0; tries < 3; tries++) {
    if (createExclusive(file, content, { durable: true })) return undefined;
    const existing = readRunFile(outputDir);
    if (existing) return existing;
  }
  throw new UsageError(`${file} keeps appearing and disappearing: is another program deleting it? Stop it, then rerun`);
}

/** The recorded command with {configDir} filled for this host (a version 1 file holds it filled already). */
export function commandOnThisHost(run: RunIdentity, cwd: string): string[] {
  const dir = configDirOnThisHost(run.configDir, path.dirname(builtInConfigFile), cwd);
  return dir === undefined ? [...run.command] : expandConfigDir(run.command, dir);
}
