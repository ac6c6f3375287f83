/**
 * {python} resolved once per runner to the interpreter it starts (sys.executable), so a
 * shim (pyenv, asdf) that costs a shell and a lookup per start is paid once, not per chunk.
 * Only the spawned argv changes: run.json and markers keep the user's value.
 */
import { errorMessage } from '../core/errors.js';

const PROBE = 'import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.version, sys.implementation.name]))';
const PROBE_TIMEOUT_MS = 60_000;

export type Interpreter =
  | { readonly resolved: true; readonly python: string; readonly executable: string; readonly version: string }
  | { readonly resolved: false; readonly python: string; readonly why: string };

interface Identity {
  readonly executable: string;
  readonly prefix: string;
  readonly version: string;
  readonly implementation: string;
}

async function probe(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Identity> {
  // Loaded here: a run whose command has no {python} never starts execa.
  const { execa } = await import('execa');
  const result = await execa(command, ['-c', PROBE], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    timeout: PROBE_TIMEOUT_MS,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) {
    const said =
      String(result.stderr || result.message)
        .trim()
        .split('\n')
        .at(-1) ?? '';
    throw new Error(`\`${command} -c ...\` ${result.exitCode === undefined ? 'did not run' : `exited ${result.exitCode}`}: ${said}`);
  }
  const parsed: unknown = JSON.parse(String(result.stdout).trim().split('\n').at(-1) ?? '');
  if (!Array.isArray(parsed) || parsed.length !== 4 || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`\`${command} -c ...\` printed no interpreter identity`);
  }
  const [executable, prefix, version, implementation] = parsed as string[];
  return { executable: executable!, prefix: prefix!, version: version!, implementation: implementation! };
}

/** The interpreter `python` starts, when starting it directly gives the same interpreter (executable, prefix, version). */
export async function resolveInterpreter(python: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Interpreter> {
  try {
    const viaCommand = await probe(python, cwd, env);
    if (!viaCommand.executable) return { resolved: false, python, why: `${python} reports no sys.executable` };
    if (viaCommand.executable === python) return { resolved: true, python, executable: python, version: viaCommand.version.split(' ')[0]! };
    const direct = await probe(viaCommand.executable, cwd, env);
    const differs = (['executable', 'prefix', 'version', 'implementation'] as const).find((key) => direct[key] !== viaCommand[key]);
    if (differs) {
      return {
        resolved: false,
        python,
        why: `${viaCommand.executable} started directly reports another ${differs} (${direct[differs]}) than through ${python} (${viaCommand[differs]})`,
      };
    }
    return { resolved: true, python, executable: viaCommand.executable, version: viaCommand.version.split(' ')[0]! };
  } catch (error) {
    return { resolved: false, python, why: errorMessage(error) };
  }
}

/**
 * The argv template phases are spawned with: each argument that the phase's template had as
 * exactly `{python}` becomes the resolved executable.
 */
export function spawnCommandFor(
  runCommand: readonly string[],
  template: readonly string[],
  interpreter: Interpreter | undefined,
): string[] {
  if (!interpreter?.resolved) return [...runCommand];
  return runCommand.map((arg, i) => (template[i] === '{python}' && arg === interpreter.python ? interpreter.executable : arg));
}
