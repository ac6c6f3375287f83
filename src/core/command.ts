/** The phase's argv template: run-wide placeholders filled at launch, chunk ones per chunk. Pure. */
import path from 'node:path';
import { UsageError } from './errors.js';

const RUN_PLACEHOLDERS = ['python', 'model', 'phase', 'configDir'] as const;
const CHUNK_PLACEHOLDERS = ['start', 'end', 'device', 'chunkDir'] as const;
const KNOWN = new Set<string>([...RUN_PLACEHOLDERS, ...CHUNK_PLACEHOLDERS]);

export interface RunValues {
  readonly python: string;
  readonly model: string | undefined;
  readonly phase: string;
}

/** run.json's configDir for the built-in config: each host's own chunkrun install. */
export const BUILT_IN_CONFIG_DIR = 'builtin';

export interface ChunkValues {
  readonly start: number;
  readonly end: number;
  readonly device: string;
  /** Empty in --no-checkpoint mode, where there are no chunk dirs. */
  readonly chunkDir: string;
}

function placeholdersIn(arg: string): string[] {
  return [...arg.matchAll(/\{([A-Za-z]+)\}/g)].map((match) => match[1]!);
}

/**
 * Fill {python} {model} {phase}; check that nothing unknown is left; append extra args.
 * {configDir} stays: it is a path on the host that runs the phase (expandConfigDir).
 */
export function expandRunCommand(template: readonly string[], values: RunValues, extraArgs: readonly string[], where: string): string[] {
  for (const arg of template) {
    for (const name of placeholdersIn(arg)) {
      if (!KNOWN.has(name)) {
        throw new UsageError(`${where}: unknown placeholder {${name}} in command; known: ${[...KNOWN].map((k) => `{${k}}`).join(' ')}`);
      }
      if (name === 'model' && values.model === undefined) {
        throw new UsageError(`${where}: command uses {model} but the phase sets no "model"; add one to the phase or pass --model`);
      }
    }
  }
  const filled = template.map((arg) =>
    arg
      .replaceAll('{python}', values.python)
      .replaceAll('{model}', values.model ?? '')
      .replaceAll('{phase}', values.phase),
  );
  return [...filled, ...extraArgs];
}

/** Fill {configDir} with this host's folder of the config. */
export function expandConfigDir(runCommand: readonly string[], configDir: string): string[] {
  return runCommand.map((arg) => {
    const value = arg.replaceAll('{configDir}', configDir);
    // "{configDir}/../python/x.py" reads better in logs as ".../python/x.py".
    return arg.startsWith('{configDir}') ? path.normalize(value) : value;
  });
}

/** run.json's configDir: "builtin", or the config's folder relative to the working dir. */
export function recordedConfigDir(configDir: string, builtInConfigDir: string, cwd: string): string {
  if (path.resolve(configDir) === path.resolve(builtInConfigDir)) return BUILT_IN_CONFIG_DIR;
  return path.relative(cwd, configDir) || '.';
}

/** The folder {configDir} means on this host, from run.json's record of it. */
export function configDirOnThisHost(recorded: string | undefined, builtInConfigDir: string, cwd: string): string | undefined {
  if (recorded === undefined) return undefined;
  return recorded === BUILT_IN_CONFIG_DIR ? builtInConfigDir : path.resolve(cwd, recorded);
}

export function expandChunkCommand(runCommand: readonly string[], values: ChunkValues): string[] {
  return runCommand.map((arg) =>
    arg
      .replaceAll('{start}', String(values.start))
      .replaceAll('{end}', String(values.end))
      .replaceAll('{device}', values.device)
      .replaceAll('{chunkDir}', values.chunkDir),
  );
}

/** A worker's argv: started once per device, so only {device} is left to fill. */
export function expandWorkerCommand(runCommand: readonly string[], device: string): string[] {
  return runCommand.map((arg) => arg.replaceAll('{device}', device));
}
