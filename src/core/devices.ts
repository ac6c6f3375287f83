/** Devices: parsing what the user names, and the env each device's processes get. Pure. */
import { UsageError } from './errors.js';
import { checkDeviceCount } from './limits.js';

export const DEVICE_KINDS = ['cuda', 'rocm', 'tpu', 'cpu'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export interface Device {
  readonly kind: DeviceKind;
  /** Physical ids as the driver names them ("0", "3", or a GPU UUID); several for a grouped device. */
  readonly ids: readonly string[];
  /** Folder and display name: gpu0, tpu3, cpu1, tpu0_1 for a group. */
  readonly name: string;
}

const FOLDER_PREFIX: Record<DeviceKind, string> = { cuda: 'gpu', rocm: 'gpu', tpu: 'tpu', cpu: 'cpu' };

export function deviceOf(kind: DeviceKind, ids: readonly string[]): Device {
  return { kind, ids, name: `${FOLDER_PREFIX[kind]}${ids.join('_')}` };
}

const TPU_BASE_PORT = 8476;

/** Built-in per-kind env (SPEC §5); the config's deviceEnv replaces a kind's entry. */
export const DEFAULT_DEVICE_ENV: Record<string, Record<string, string>> = {
  cuda: { CUDA_VISIBLE_DEVICES: '{id}' },
  rocm: { HIP_VISIBLE_DEVICES: '{id}' },
  tpu: {
    TPU_VISIBLE_CHIPS: '{id}',
    TPU_CHIPS_PER_PROCESS_BOUNDS: '1,1,1',
    TPU_PROCESS_BOUNDS: '1,1,1',
    TPU_PROCESS_PORT: '{port}',
    TPU_MESH_CONTROLLER_PORT: '{port}',
    TPU_MESH_CONTROLLER_ADDRESS: 'localhost:{port}',
  },
  cpu: {},
};

/** The env a device's processes get: {id} -> its ids joined by commas, {port} -> 8476 + its first id. */
export function deviceEnvFor(device: Device, configured: Record<string, Record<string, string>>): Record<string, string> {
  const template = configured[device.kind] ?? DEFAULT_DEVICE_ENV[device.kind] ?? {};
  const firstId = Number(device.ids[0]);
  const port = String(TPU_BASE_PORT + (Number.isInteger(firstId) ? firstId : 0));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(template)) {
    env[key] = value.replaceAll('{id}', device.ids.join(',')).replaceAll('{port}', port);
  }
  return env;
}

function expandIds(text: string, flag: string): string[] {
  const ids: string[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (to < from) throw new UsageError(`${flag}: range ${part} runs backwards; write it low-high, e.g. 0-3`);
      checkDeviceCount(ids.length + to - from + 1, flag);
      for (let id = from; id <= to; id++) ids.push(String(id));
    } else if (/^[A-Za-z0-9-]+$/.test(part.trim())) {
      ids.push(part.trim());
    } else {
      throw new UsageError(`${flag}: "${part}" is not a device id; use ids like 0,1,2 or ranges like 0-3`);
    }
  }
  return ids;
}

/**
 * One `--devices` spec: `cuda:0-3`, `tpu:0,2`, `tpu:0+1` (one device holding chips 0 and 1),
 * `cpu:4` (four CPU slots: for cpu a single number is a count, ids are not meaningful).
 */
export function parseDeviceSpec(spec: string): Device[] {
  const match = /^([a-z]+):(.+)$/.exec(spec.trim());
  if (!match) throw new UsageError(`--devices ${spec}: expected kind:ids, e.g. cuda:0-3, tpu:0+1 or cpu:4`);
  const kind = match[1] as DeviceKind;
  if (!DEVICE_KINDS.includes(kind)) {
    throw new UsageError(`--devices ${spec}: unknown device kind "${match[1]}"; known kinds: ${DEVICE_KINDS.join(', ')}`);
  }
  const body = match[2]!;
  if (kind === 'cpu' && /^\d+$/.test(body)) {
    const count = Number(body);
    if (count < 1) throw new UsageError(`--devices ${spec}: need at least one CPU slot, e.g. cpu:2`);
    checkDeviceCount(count, `--devices ${spec}`);
    return Array.from({ length: count }, (_, slot) => deviceOf('cpu', [String(slot)]));
  }
  const flag = `--devices ${spec}`;
  return body.split(',').flatMap((part) =>
    part.includes('+')
      ? [
          deviceOf(
            kind,
            part.split('+').flatMap((id) => expandIds(id, flag)),
          ),
        ]
      : expandIds(part, flag).map((id) => deviceOf(kind, [id])),
  );
}

export function parseDeviceSpecs(specs: readonly string[]): Device[] {
  const devices: Device[] = [];
  for (const spec of specs.flatMap((text) => text.split(/\s+/).filter(Boolean))) {
    devices.push(...parseDeviceSpec(spec));
    checkDeviceCount(devices.length, '--devices');
  }
  const seen = new Set<string>();
  for (const device of devices) {
    if (seen.has(device.name)) throw new UsageError(`--devices names ${device.name} twice; list each device once`);
    seen.add(device.name);
  }
  return devices;
}

/** `--gpus 0,1,2` against the GPUs that exist. */
export function selectGpus(spec: string, available: readonly string[], source: string): Device[] {
  const wanted = expandIds(spec, `--gpus ${spec}`);
  for (const id of wanted) {
    if (!available.includes(id)) {
      const have = available.length > 0 ? `GPUs found (${source}): ${available.join(', ')}` : `no GPU found (${source})`;
      throw new UsageError(`--gpus ${spec}: GPU ${id} does not exist; ${have}`);
    }
  }
  return wanted.map((id) => deviceOf('cuda', [id]));
}

/** The `--devices` spec that names exactly this device (how launcher hands devices to chunk-runner). */
export function deviceSpecOf(device: Device): string {
  if (device.kind === 'cpu' && device.ids.length === 1) return `cpu:${device.ids[0]}-${device.ids[0]}`;
  return `${device.kind}:${device.ids.join('+')}`;
}
