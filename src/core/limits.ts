/**
 * The largest plans and device lists chunkrun accepts. Past them a run is a typo or a plan
 * that no file system holds well (one folder per chunk), so it is refused before any work.
 */
import { UsageError } from './errors.js';
import { chunkCount, type RangeRequest } from './plan.js';

/** Chunks of one run: each is a folder on disk, a claim and a process start. */
export const MAX_CHUNKS = 10_000_000;
/** Devices of one runner (one host). */
export const MAX_DEVICES = 1024;
/** Devices of the whole run, over all its hosts. */
export const MAX_RUN_DEVICES = 65_536;

const grouped = (n: number) => n.toLocaleString('en-US');

export function checkPlanSize(request: RangeRequest): void {
  const chunks = chunkCount(request);
  if (chunks <= MAX_CHUNKS) return;
  const items = request.end - request.start + 1;
  const frequency = Math.ceil(items / MAX_CHUNKS);
  throw new UsageError(
    `indexes ${request.start}-${request.end} with --checkpoint-frequency ${request.checkpointFrequency} make ${grouped(chunks)} chunks; ` +
      `a run holds at most ${grouped(MAX_CHUNKS)}: raise --checkpoint-frequency to ${frequency} or more, or split the range`,
  );
}

/** A device count read from a flag, before any list of that size is built. */
export function checkDeviceCount(count: number, flag: string): void {
  if (count > MAX_DEVICES) {
    throw new UsageError(
      `${flag} names ${grouped(count)} devices; a runner drives at most ${grouped(MAX_DEVICES)}: name the devices of this host`,
    );
  }
}
