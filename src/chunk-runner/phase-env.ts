/** The environment a phase process gets (SPEC §6). Pure. */
import path from 'node:path';
import { pythonHelperDir } from '../core/config.js';
import { deviceEnvFor, type Device } from '../core/devices.js';
import { PROGRESS_FILE } from '../core/layout.js';
import type { ChunkRange } from '../core/plan.js';

export interface ChunkEnvFacts {
  readonly range: ChunkRange;
  readonly chunkDir: string;
  readonly attempt: number;
  readonly outputDirEnv: string;
}

export function phaseEnvFor(
  base: NodeJS.ProcessEnv,
  phaseEnv: Record<string, string>,
  device: Device,
  deviceEnv: Record<string, Record<string, string>>,
  chunk: ChunkEnvFacts | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  // So that any phase can `import chunkrun` without installing it.
  env.PYTHONPATH = base.PYTHONPATH ? `${pythonHelperDir}${path.delimiter}${base.PYTHONPATH}` : pythonHelperDir;
  env.PYTHONUNBUFFERED ??= '1';
  Object.assign(env, phaseEnv, deviceEnvFor(device, deviceEnv));
  if (chunk) {
    Object.assign(env, {
      [chunk.outputDirEnv]: chunk.chunkDir,
      CHUNK_START: String(chunk.range.start),
      CHUNK_END: String(chunk.range.end),
      CHUNK_DIR: chunk.chunkDir,
      CHUNK_DEVICE: device.name,
      CHUNK_ATTEMPT: String(chunk.attempt),
      CHUNKRUN_PROGRESS_FILE: path.join(chunk.chunkDir, PROGRESS_FILE),
    });
  }
  return env;
}
