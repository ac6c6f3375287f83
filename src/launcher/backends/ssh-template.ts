/** The SSH command template: words split like a shell would (quotes kept together), placeholders filled. Pure. */
import { UsageError } from '../../core/errors.js';

export const DEFAULT_SSH_TEMPLATE = 'ssh -o BatchMode=yes {host} cd {cwd} && {runner}';

const PLACEHOLDERS = ['host', 'hostId', 'worker', 'cwd', 'runner'] as const;
export type SshTemplateValues = Record<(typeof PLACEHOLDERS)[number], string>;

/** Split on whitespace outside quotes; single and double quotes group and are removed, as in sh. */
export function splitTemplate(template: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (const char of template) {
    if (quote) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote) throw new UsageError(`--ssh-template ${template}: unclosed ${quote} quote`);
  if (word !== undefined) words.push(word);
  return words;
}

export function checkTemplate(template: string): void {
  const words = splitTemplate(template);
  if (words.length === 0) throw new UsageError('--ssh-template is empty; the default is: ' + DEFAULT_SSH_TEMPLATE);
  for (const match of template.matchAll(/\{([A-Za-z]+)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1]!)) {
      throw new UsageError(`--ssh-template: unknown placeholder {${match[1]}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
    }
  }
  if (!template.includes('{runner}')) {
    throw new UsageError(`--ssh-template must contain {runner}, the chunk-runner command; the default is: ${DEFAULT_SSH_TEMPLATE}`);
  }
}

/** The argv for one host. Values are filled after splitting, so a value with spaces stays one word. */
export function expandTemplate(template: string, values: SshTemplateValues): string[] {
  return splitTemplate(template).map((word) => word.replace(/\{([A-Za-z]+)\}/g, (_, name: keyof SshTemplateValues) => values[name]));
}
