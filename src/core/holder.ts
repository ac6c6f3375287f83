/**
 * Who holds a lease file (a chunk claim, a merge lock): a process, named so that another
 * process can tell whether it is the same live process, or whether it cannot tell at all.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { processStartTicks } from './process-info.js';

export const holderSchema = z.object({
  host: z.string(),
  /** The kernel's boot id and the pid namespace: two containers on one host share a hostname, not these. */
  bootId: z.string().optional(),
  pidNamespace: z.string().optional(),
  pid: z.number().int(),
  /** Start time of the pid (pid reuse guard). */
  pidStart: z.string().optional(),
});

export type Holder = z.infer<typeof holderSchema>;

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
}

let self: Holder | undefined;

/** This process as a holder. */
export function thisProcess(): Holder {
  self ??= {
    host: os.hostname(),
    bootId: readOrUndefined(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNamespace: readOrUndefined(() => readlinkSync('/proc/self/ns/pid')),
    pid: process.pid,
    pidStart: processStartTicks(process.pid),
  };
  return self;
}

/**
 * True when `holder`'s pid means the same process here: same host, same boot, same pid
 * namespace. Only then may a pid check decide; otherwise only the lease can.
 */
export function sharesProcessTable(holder: Holder, here: Holder): boolean {
  return (
    holder.host === here.host &&
    holder.bootId !== undefined &&
    holder.bootId === here.bootId &&
    holder.pidNamespace !== undefined &&
    holder.pidNamespace === here.pidNamespace
  );
}
