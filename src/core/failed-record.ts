/**
 * The `_FAILED` record the runner leaves in a chunk dir whose last attempt failed for good:
 * one schema, one writer, one reader. Read leniently: a record from an older runner or a
 * torn write still marks the chunk failed, with whatever facts it holds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FAILED_FILE } from './layout.js';
import { writeJsonAtomic } from './atomic-file.js';

const failedRecordSchema = z.object({
  attempts: z.number().int().positive().optional(),
  reason: z.string().optional(),
  log: z.string().optional(),
  failedAt: z.string().optional(),
});

export type FailedRecord = z.infer<typeof failedRecordSchema>;

/** The record when the chunk dir holds a `_FAILED` file ({} when unreadable), undefined when it holds none. */
export function readFailedRecord(chunkDir: string): FailedRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(chunkDir, FAILED_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return {};
  }
  try {
    const parsed = failedRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function writeFailedRecord(chunkDir: string, record: Required<FailedRecord>): void {
  writeJsonAtomic(path.join(chunkDir, FAILED_FILE), failedRecordSchema.parse(record));
}
