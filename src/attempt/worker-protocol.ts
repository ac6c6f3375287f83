/**
 * The worker protocol: JSON lines on the worker's own socket (fd CHUNKRUN_WORKER_FD), never
 * stdout, so a phase prints freely. Worker -> runner: ready (after setup), then per chunk
 * done or error. Runner -> worker: chunk. Progress goes to the progress file as in process
 * mode. Pure.
 */
import { z } from 'zod';

/** The fd number the worker reads and writes its messages on (a socket, both ways). */
export const WORKER_FD = 3;
export const WORKER_FD_ENV = 'CHUNKRUN_WORKER_FD';

const workerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('done') }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

export type WorkerMessage = z.infer<typeof workerMessageSchema>;

export interface ChunkMessage {
  readonly type: 'chunk';
  readonly start: number;
  readonly end: number;
  readonly dir: string;
  readonly device: string;
  readonly attempt: number;
  /** Where the worker sends its stdout and stderr while it runs this chunk. */
  readonly log: string;
  /** Variables to set for this chunk only (CHUNK_*, the output-dir variable...). */
  readonly env: Record<string, string>;
}

const SHOWN_CHARS = 200;

/** A line as shown in an error: trimmed and cut short. */
export function shownLine(line: string): string {
  const trimmed = line.trim();
  return trimmed.length > SHOWN_CHARS ? `${trimmed.slice(0, SHOWN_CHARS)}...` : trimmed;
}

export type ParsedLine = { readonly ok: true; readonly message: WorkerMessage } | { readonly ok: false; readonly line: string };

export function parseWorkerLine(line: string): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, line };
  }
  const parsed = workerMessageSchema.safeParse(raw);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, line };
}

export function encodeChunkMessage(message: ChunkMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** The chunk's variables that the worker's own environment lacks or has otherwise. */
export function chunkEnvDelta(workerEnv: Record<string, string>, chunkEnv: Record<string, string>): Record<string, string> {
  const delta: Record<string, string> = {};
  for (const [key, value] of Object.entries(chunkEnv)) if (workerEnv[key] !== value) delta[key] = value;
  return delta;
}
