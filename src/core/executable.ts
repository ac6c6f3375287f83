/** Is a command runnable here? Looked up like execvp does, without running it. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function findExecutable(command: string, envPath = process.env.PATH ?? '', cwd = process.cwd()): string | undefined {
  const runnable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const file = path.resolve(cwd, command);
    return runnable(file) ? file : undefined;
  }
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    if (runnable(file)) return file;
  }
  return undefined;
}
