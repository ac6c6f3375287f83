/** Which host a runner is, and the device folders that follow from it (SPEC §9). Pure. */
import { UsageError } from './errors.js';
import type { Device } from './devices.js';

export interface HostId {
  readonly id: string;
  /** Where it came from, for messages: "--host-id", "TPU_WORKER_ID", ..., "hostname". */
  readonly source: string;
}

const ENV_SOURCES = ['TPU_WORKER_ID', 'WORKER_ID', 'SLURM_ARRAY_TASK_ID', 'SLURM_PROCID'] as const;

/** A host id names a folder part: no slash, no leading dot (dot-entries are skipped), no whitespace. */
export function checkHostId(id: string, source: string): string {
  const fix = 'give each host a plain name like node1 or w3 with --host-id';
  if (id.includes('/')) throw new UsageError(`host id "${id}" (from ${source}) contains a slash; ${fix}`);
  if (id === '' || id.startsWith('.')) throw new UsageError(`host id "${id}" (from ${source}) is empty or starts with a dot; ${fix}`);
  if (/\s/.test(id)) throw new UsageError(`host id "${id}" (from ${source}) contains whitespace; ${fix}`);
  return id;
}

/** `--host-id`, else TPU_WORKER_ID, else WORKER_ID, else SLURM_ARRAY_TASK_ID/SLURM_PROCID, else the hostname. */
export function resolveHostId(flag: string | undefined, env: NodeJS.ProcessEnv, hostname: string): HostId {
  if (flag !== undefined) return { id: checkHostId(flag, '--host-id'), source: '--host-id' };
  for (const name of ENV_SOURCES) {
    const value = env[name];
    if (value !== undefined && value !== '') return { id: checkHostId(value, name), source: name };
  }
  return { id: checkHostId(hostname, 'hostname'), source: 'hostname' };
}

/**
 * With one host a device's folder is its name (chunks/gpu0, the seed layout); with several
 * it is `<host>.<device>`. Device names never contain a dot, so the last dot splits the two
 * unambiguously and two hosts' folders never collide.
 */
export function hostDevice(device: Device, host: string, severalHosts: boolean): Device {
  return severalHosts ? { ...device, name: `${host}.${device.name}` } : device;
}

/** The host part of a device folder name, or undefined in a one-host layout. */
export function hostOfDeviceFolder(folder: string): string | undefined {
  const dot = folder.lastIndexOf('.');
  return dot > 0 ? folder.slice(0, dot) : undefined;
}
