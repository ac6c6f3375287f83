import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { UsageError, errorMessage } from './errors.js';
import { parseDuration } from './duration.js';
import { nearestName } from './nearest.js';
import { packageRoot } from './package-root.js';

/** The YAML parser, loaded for a YAML config only: every command reads a config, most of them JSON. */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

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
    /** Per attempt log; a phase printing without end must not fill the disk. */
    maxLogMB: z.number().positive().default(64),
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

export const builtInConfigFile = path.join(packageRoot, 'config', 'default.json');
export const pythonHelperDir = path.join(packageRoot, 'python');

/** What a run without a config of its own uses, said wherever that matters. */
const BUILT_IN_EXAMPLE_WHY = 'no launcher.config.json or .yaml in this directory and no --config';
export const BUILT_IN_FALLBACK = `${BUILT_IN_EXAMPLE_WHY}, so the built-in example config is in use`;

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
    const where = /\.ya?ml$/i.test(file) ? '' : ` (${jsonErrorPosition(text, errorMessage(error))})`;
    throw new UsageError(
      `config ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${errorMessage(error).split('\n')[0]}${where}`,
    );
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`config ${file}: ${describeIssue(parsed.error.issues)}`);
  return { config: parsed.data, file, dir: path.dirname(file) };
}

/** Node 20's JSON.parse names a character offset only: the line and column a person can go to. */
function jsonErrorPosition(text: string, message: string): string {
  const offset = Number(/at position (\d+)/.exec(message)?.[1] ?? text.length);
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** The keys valid where an unknown key was found, for "did you mean". */
function knownKeysAt(keyPath: readonly PropertyKey[]): string[] {
  if (keyPath.length === 0) return Object.keys(configSchema.shape);
  if (keyPath.length === 2 && keyPath[0] === 'phases') return Object.keys(phaseSchema.shape);
  return [];
}

/**
 * One line for the first problem. An unknown key comes first: a misspelled required key
 * shows up as both a missing key and an unknown one, and the unknown one names the typo.
 */
function describeIssue(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const keyPath = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    const guesses = issue.keys.map((key) => nearestName(key, known)).filter((near) => near !== undefined);
    const names = issue.keys.map((key) => `"${key}"`).join(', ');
    const fix =
      guesses.length > 0
        ? `did you mean ${guesses.map((g) => `"${g}"`).join(', ')}?`
        : "check the spelling against the README's config reference";
    return `${keyPath}: unknown key ${names}; ${fix}`;
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `${keyPath}: required key missing (${issue.message.replace(/, received undefined$/, '').replace(/^Invalid input: /, '')})`;
  }
  return `${keyPath}: ${issue.message}`;
}

export function phaseConfig(loaded: LoadedConfig, phase: string): PhaseConfig {
  const found = loaded.config.phases[phase];
  if (!found) {
    const known = Object.keys(loaded.config.phases).join(', ') || '(none)';
    if (loaded.file === builtInConfigFile) {
      throw new UsageError(
        `unknown phase "${phase}" in the built-in example config (${BUILT_IN_EXAMPLE_WHY}); known phases: ${known}; write a launcher.config.json here (see the README) or pass --config FILE`,
      );
    }
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
