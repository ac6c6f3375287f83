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
  readonly configDir: string;
}

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

/** Fill {python} {model} {phase} {configDir}; check that nothing unknown is left; append extra args. */
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
  const filled = template.map((arg) => {
    const value = arg
      .replaceAll('{python}', values.python)
      .replaceAll('{model}', values.model ?? '')
      .replaceAll('{phase}', values.phase)
      .replaceAll('{configDir}', values.configDir);
    // "{configDir}/../python/x.py" reads better in logs and run.json as ".../python/x.py".
    return arg.startsWith('{configDir}') ? path.normalize(value) : value;
  });
  return [...filled, ...extraArgs];
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
