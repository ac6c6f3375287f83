/** Finding the accelerators of this host (effects: runs nvidia-smi, reads env and /dev). */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { deviceOf, type Device } from './devices.js';

export interface Detected {
  readonly devices: Device[];
  /** Where they came from, in words, for messages: "nvidia-smi", "CUDA_VISIBLE_DEVICES", ... */
  readonly source: string;
  readonly gpuIds: string[];
  readonly accelerator: boolean;
}

function nvidiaSmiGpus(): string[] | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const ids = out
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    return ids.length > 0 ? ids : undefined;
  } catch {
    // Absent or failing nvidia-smi means "no NVIDIA GPUs visible this way"; the next source is tried.
    return undefined;
  }
}

function cudaVisibleDevices(env: NodeJS.ProcessEnv): string[] | undefined {
  const value = env.CUDA_VISIBLE_DEVICES;
  if (value === undefined) return undefined;
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '' && id !== '-1');
  return ids.length > 0 ? ids : undefined;
}

function tpuChips(): string[] | undefined {
  try {
    const chips = readdirSync('/dev')
      .map((name) => /^accel(\d+)$/.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .sort((a, b) => Number(a) - Number(b));
    return chips.length > 0 ? chips : undefined;
  } catch {
    return undefined;
  }
}

export function cpuSlotCount(): number {
  return Math.max(1, os.availableParallelism());
}

export function detectDevices(env: NodeJS.ProcessEnv = process.env): Detected {
  const smi = nvidiaSmiGpus();
  if (smi) {
    // nvidia-smi lists physical GPUs; CUDA_VISIBLE_DEVICES, when set, narrows them.
    const visible = cudaVisibleDevices(env);
    const ids = visible ? smi.filter((id) => visible.includes(id)) : smi;
    return { devices: ids.map((id) => deviceOf('cuda', [id])), source: 'nvidia-smi', gpuIds: ids, accelerator: true };
  }
  const visible = cudaVisibleDevices(env);
  if (visible) {
    return { devices: visible.map((id) => deviceOf('cuda', [id])), source: 'CUDA_VISIBLE_DEVICES', gpuIds: visible, accelerator: true };
  }
  // A Slurm job step without CUDA_VISIBLE_DEVICES in its env still names its GPUs here.
  const slurmGpus = env.SLURM_JOB_GPUS?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (slurmGpus && slurmGpus.length > 0) {
    return { devices: slurmGpus.map((id) => deviceOf('cuda', [id])), source: 'SLURM_JOB_GPUS', gpuIds: slurmGpus, accelerator: true };
  }
  const chips = tpuChips();
  if (chips) return { devices: chips.map((id) => deviceOf('tpu', [id])), source: '/dev/accel*', gpuIds: [], accelerator: true };
  const slots = cpuSlotCount();
  return {
    devices: Array.from({ length: slots }, (_, slot) => deviceOf('cpu', [String(slot)])),
    source: 'no nvidia-smi, no CUDA_VISIBLE_DEVICES, no TPU chips',
    gpuIds: [],
    accelerator: false,
  };
}
