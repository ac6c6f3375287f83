/**
 * What a runner tells its listeners (the live view, the log, `--json`, the launcher across
 * a process or host boundary as JSON lines). One zod union, one place: a line that comes
 * back over a pipe or ssh is parsed against it, never trusted by its `type` alone.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();
const chunkRangeFields = { device: z.string(), name: z.string(), start: count, end: count };

export const runEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('runner-started'),
    /** The runner's host id (--host-id, TPU_WORKER_ID, ... or the hostname). */
    host: z.string(),
    pid: z.number().int(),
    devices: z.array(z.string()),
    total: count,
    committed: count,
    pending: count,
  }),
  /** {python} resolved once for this runner: phases start this executable directly. */
  z.object({ type: z.literal('interpreter-resolved'), python: z.string(), executable: z.string(), version: z.string() }),
  z.object({ type: z.literal('chunk-started'), ...chunkRangeFields, attempt: z.number().int(), dir: z.string(), log: z.string() }),
  z.object({ type: z.literal('chunk-progress'), device: z.string(), name: z.string(), done: count, total: count }),
  z.object({
    type: z.literal('chunk-committed'),
    ...chunkRangeFields,
    attempt: z.number().int(),
    durationMs: z.number().nonnegative(),
    rows: count.nullable(),
  }),
  z.object({
    type: z.literal('attempt-failed'),
    ...chunkRangeFields,
    attempt: z.number().int(),
    reason: z.string(),
    log: z.string(),
    retryInMs: z.number().nonnegative().nullable(),
  }),
  z.object({
    type: z.literal('chunk-failed'),
    ...chunkRangeFields,
    attempts: z.number().int(),
    reason: z.string(),
    log: z.string(),
    logTail: z.array(z.string()),
  }),
  z.object({ type: z.literal('chunk-waiting'), name: z.string(), holder: z.string() }),
  z.object({ type: z.literal('chunk-already-committed'), name: z.string(), device: z.string() }),
  z.object({ type: z.literal('device-removed'), device: z.string(), reason: z.string() }),
  z.object({ type: z.literal('device-idle'), device: z.string() }),
  z.object({
    type: z.literal('stopping'),
    how: z.enum(['graceful', 'now']),
    why: z.string(),
    /** When the runner stopped itself over a failure: the log that shows it, and its last lines. */
    log: z.string().optional(),
    logTail: z.array(z.string()).optional(),
  }),
  z.object({ type: z.literal('warning'), message: z.string() }),
  z.object({ type: z.literal('runner-finished'), committed: count, failed: count, stopped: z.boolean() }),
  /** Said by the launcher, not a runner: a host's runner ended before the run did (ssh dropped, killed). */
  z.object({ type: z.literal('host-lost'), host: z.string(), reason: z.string() }),
]);

export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventType = RunEvent['type'];

/** One JSON line from a runner: the event, or why it is not one (for a warning that names the line). */
export function parseRunEventLine(line: string): { event: RunEvent } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = runEventSchema.safeParse(raw);
  if (parsed.success) return { event: parsed.data };
  const issue = parsed.error.issues[0];
  return { problem: `not a run event (${issue?.path.join('.') || 'type'}: ${issue?.message})` };
}
