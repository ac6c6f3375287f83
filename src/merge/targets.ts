/** Pure: which chunks go into which merged file, and which chunks of the plan are missing. */
import { DataError, UsageError } from '../core/errors.js';
import { hintCommand, type RunLocation } from '../core/rerun-hint.js';
import { chunkGrid, describeRanges, type ChunkRange } from '../core/plan.js';
import type { RunFile } from '../core/run-file.js';
import { rangeKey, type ChunkDirEntry, type CommittedEntry, type DiskState } from '../core/scan.js';

export const ALL_TARGET = 'all';

export interface MergeTarget {
  /** The device folder, or 'all' for one file over the whole range. */
  readonly name: string;
  /** Committed chunks in index order (canonical copies only). */
  readonly chunks: readonly ChunkDirEntry[];
}

export interface MergePlan {
  readonly targets: MergeTarget[];
  /** Chunks of the run's plan committed nowhere. */
  readonly missing: ChunkRange[];
}

export interface TargetRequest {
  readonly device?: string;
  readonly all?: boolean;
}

export function planMerge(disk: DiskState, run: RunFile, request: TargetRequest): MergePlan {
  if (request.device !== undefined && request.all)
    throw new UsageError('--device and --all exclude each other: pick one device, or --all for one file over the whole range');
  const grid = chunkGrid(run);
  const committed = grid
    .map((range) => disk.committed.get(rangeKey(range)))
    .filter((entry): entry is CommittedEntry => entry !== undefined);
  const missing = grid.filter((range) => !disk.committed.has(rangeKey(range)));
  if (request.all) return { targets: [{ name: ALL_TARGET, chunks: committed }], missing };
  const chunksOf = (device: string) => committed.filter((entry) => entry.device === device);
  if (request.device !== undefined) {
    if (!disk.devices.includes(request.device)) {
      throw new UsageError(`no device folder "${request.device}" under chunks/; devices here: ${disk.devices.join(', ') || '(none)'}`);
    }
    return { targets: [{ name: request.device, chunks: chunksOf(request.device) }], missing };
  }
  const targets = disk.devices.map((device) => ({ name: device, chunks: chunksOf(device) })).filter((target) => target.chunks.length > 0);
  return { targets, missing };
}

/** The command that finishes the missing chunks: the launcher resumes the same plan, found where the user said. */
export function finishCommand(run: RunFile, where: RunLocation = {}): string {
  const plan = ['--phase', run.phase, '--start', String(run.start), '--end', String(run.end)];
  return hintCommand('launcher', [...plan, '--checkpoint-frequency', String(run.checkpointFrequency)], where);
}

export function describeMissing(run: RunFile, missing: readonly ChunkRange[], where: RunLocation = {}): string {
  const total = chunkGrid(run).length;
  return `${missing.length} of ${total} chunks are not committed (items ${describeRanges(missing)}); \`${finishCommand(run, where)}\` finishes them`;
}

export function refuseIncomplete(run: RunFile, missing: readonly ChunkRange[], where: RunLocation = {}): never {
  throw new DataError(`${describeMissing(run, missing, where)}, or pass --allow-partial to merge what is committed`);
}
