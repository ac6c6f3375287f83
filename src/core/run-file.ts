/** run.json: the identity of a run in an output dir, so two plans never mix silently. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic-file.js';
import { runFilePath } from './layout.js';
import { UsageError } from './errors.js';

export const runIdentitySchema = z.object({
  phase: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  checkpointFrequency: z.number().int().positive(),
  /** The phase's argv template with the run-wide values (python, model, extra args) filled in. */
  command: z.array(z.string()),
});

export const runFileSchema = runIdentitySchema.extend({
  version: z.literal(1),
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
  const fields = ['phase', 'start', 'end', 'checkpointFrequency'] as const;
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

export function sameRunIdentity(a: RunIdentity, b: RunIdentity): boolean {
  return runDifferences(a, b).length === 0;
}

export function writeRunFile(outputDir: string, run: RunFile): void {
  writeJsonAtomic(runFilePath(outputDir), runFileSchema.parse(run));
}
