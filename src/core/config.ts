import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError, errorMessage } from './errors.js';
import { parseDuration } from './duration.js';

const durationSchema = z.union([z.string(), z.number()]).refine((value) => parseDuration(value) !== undefined, {
  message: 'must be a duration like "30m", "90s", "2h" or a number of seconds',
});

const envMapSchema = z.record(z.string(), z.string());

const phaseSchema = z
  .object({
    command: z.array(z.string()).min(1),
    outputDirEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
    outputDir: z.string().min(1),
    outputs: z.array(z.string().min(1)).min(1),
    model: z.string().optional(),
    env: envMapSchema.optional(),
    checkpointFrequency: z.number().int().positive().optional(),
    /** A column holding the item index: the merge checks each index appears exactly once. */
    indexColumn: z.string().optional(),
    retries: z.number().int().min(0).optional(),
    chunkTimeout: durationSchema.optional(),
    /** Start the command once per device and send it chunks as messages (chunkrun.worker.serve). */
    worker: z.boolean().optional(),
    /** Restart a worker after this many chunks (libraries that leak). */
    workerMaxChunks: z.number().int().positive().optional(),
    /** How long a starting worker may take to finish its setup and say it is ready. */
    workerReadyTimeout: durationSchema.optional(),
  })
  .strict()
  .superRefine((phase, context) => {
    if (!phase.worker) {
      for (const key of ['workerMaxChunks', 'workerReadyTimeout'] as const) {
        if (phase[key] !== undefined)
          context.addIssue({ code: 'custom', path: [key], message: 'applies to worker phases only; add "worker": true or remove it' });
      }
      return;
    }
    for (const [at, arg] of phase.command.entries()) {
      const chunkPlaceholder = /\{(start|end|chunkDir)\}/.exec(arg);
      if (chunkPlaceholder) {
        context.addIssue({
          code: 'custom',
          path: ['command', at],
          message: `{${chunkPlaceholder[1]}} cannot be in a worker's command: "worker": true starts it once per device and sends each chunk's range and dir as a message; remove it`,
        });
      }
    }
  });

export const configSchema = z
  .object({
    checkpointFrequency: z.number().int().positive().default(50),
    python: z.string().min(1).default('python3'),
    phases: z.record(z.string(), phaseSchema),
    deviceEnv: z.record(z.string(), envMapSchema).default({}),
    retries: z.number().int().min(0).default(2),
    retryBackoff: durationSchema.default('2s'),
    chunkTimeout: durationSchema.optional(),
    killGrace: durationSchema.default('10s'),
    stopGrace: durationSchema.default('30s'),
    lease: durationSchema.default('60s'),
    maxConsecutiveDeviceFailures: z.number().int().positive().default(3),
    deleteChunksAfterMerge: z.boolean().default(false),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type PhaseConfig = z.infer<typeof phaseSchema>;

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from, and its folder (the `{configDir}` placeholder). */
  readonly file: string;
  readonly dir: string;
}

/** The package root: config/ and python/ live there. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const builtInConfigFile = path.join(packageRoot, 'config', 'default.json');
export const pythonHelperDir = path.join(packageRoot, 'python');

const LOCAL_CONFIG_NAMES = ['launcher.config.json', 'launcher.config.yaml', 'launcher.config.yml'];

/** `--config FILE`, else a launcher.config.{json,yaml} in the working dir, else the built-in one. */
export function findConfigFile(explicit: string | undefined, cwd: string): string {
  if (explicit) return path.resolve(cwd, explicit);
  for (const name of LOCAL_CONFIG_NAMES) {
    const candidate = path.join(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return builtInConfigFile;
}

export function loadConfig(explicit: string | undefined, cwd: string): LoadedConfig {
  const file = findConfigFile(explicit, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config ${file}: ${errorMessage(error)} (pass --config FILE with a readable file)`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${errorMessage(error).split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keyPath = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    const what =
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against the README's config reference`
        : issue.message;
    throw new UsageError(`config ${file}: ${keyPath}: ${what}`);
  }
  return { config: parsed.data, file, dir: path.dirname(file) };
}

export function phaseConfig(loaded: LoadedConfig, phase: string): PhaseConfig {
  const found = loaded.config.phases[phase];
  if (!found) {
    const known = Object.keys(loaded.config.phases).join(', ') || '(none)';
    throw new UsageError(`unknown phase "${phase}" in ${loaded.file}; known phases: ${known}`);
  }
  return found;
}

export function durationMs(value: string | number): number {
  return parseDuration(value)!;
}

/** A run's output dir: `--output-dir` when given, else the phase's `outputDir`, relative to the working dir. */
export function outputDirFor(cwd: string, explicit: string | undefined, phase: () => PhaseConfig): string {
  return path.resolve(cwd, explicit ?? phase().outputDir);
}
