/**
 * Hosts over SSH (GNU parallel's --sshlogin idea): one chunk-runner per host, started through a
 * command template, its JSON events coming back on the ssh client's stdout. Closing the
 * client's stdin reaches the remote runner's stdin, which stops it.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { checkHostId } from '../../core/host-id.js';
import type { AttachedBackend, BackendContext, RunnerCommand } from './backend.js';
import { outputDirArg, runnerArgs, runnerMain } from './runner-args.js';
import { shellWord } from '../../core/rerun-hint.js';
import { DEFAULT_SSH_TEMPLATE, checkTemplate, expandTemplate, splitTemplate } from './ssh-template.js';

/** How long a host may take to answer the reachability probe. */
const PROBE_TIMEOUT_MS = 30_000;

export function parseHosts(text: string): string[] {
  const hosts = text
    .split(',')
    .map((host) => host.trim())
    .filter(Boolean);
  if (hosts.length === 0) throw new UsageError(`--hosts "${text}" names no host; give e.g. --hosts node1,node2`);
  const seen = new Set<string>();
  for (const host of hosts) {
    checkHostId(host, '--hosts');
    if (seen.has(host)) throw new UsageError(`--hosts names ${host} twice; each host runs one chunk-runner over all its devices`);
    seen.add(host);
  }
  return hosts;
}

export function sshBackend({ prepared, options }: BackendContext): AttachedBackend {
  const hosts = parseHosts(options.hosts!);
  const template = options.sshTemplate ?? DEFAULT_SSH_TEMPLATE;
  checkTemplate(template);
  const outputDir = outputDirArg(prepared.outputDir, prepared.cwd);
  const explicitDevices = options.devices !== undefined ? prepared.devices : undefined;

  const commandFor = (host: string, worker: number, runner: string): string[] =>
    expandTemplate(template, { host, hostId: host, worker: String(worker), cwd: shellWord(prepared.cwd), runner });

  return {
    kind: 'attached',
    name: 'ssh',
    hostCount: hosts.length,
    async preflight() {
      // Every host must reach the output dir through the shared filesystem: look for a fresh file there.
      const probeName = `.host-probe-${randomBytes(6).toString('hex')}`;
      const probe = path.join(prepared.outputDir, probeName);
      writeFileSync(probe, 'chunkrun: can every host see the output dir?\n');
      try {
        // Loaded here, not at the top: a local resume with nothing to do never pays for execa.
        const { execa } = await import('execa');
        const probeWord = shellWord(path.join(outputDir, probeName));
        const results = await Promise.all(
          hosts.map(async (host, worker) => {
            const [file, ...args] = commandFor(host, worker, `test -f ${probeWord}`);
            const result = await execa(file!, args, { reject: false, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore', cwd: prepared.cwd });
            return { host, result };
          }),
        );
        for (const { host, result } of results) {
          if (result.exitCode === 0) continue;
          const said = String(result.stderr ?? '')
            .trim()
            .split('\n')
            .filter(Boolean)
            .pop();
          if (result.timedOut)
            throw new UsageError(
              `host ${host} did not answer within ${PROBE_TIMEOUT_MS / 1000}s (${splitTemplate(template)[0]}); check that it is up and reachable`,
            );
          if (result.exitCode === 255 || (result.failed && result.exitCode === undefined)) {
            throw new UsageError(
              `host ${host} is unreachable: ${said ?? result.shortMessage}; check that \`ssh -o BatchMode=yes ${host} true\` works without a password (or fix --ssh-template)`,
            );
          }
          throw new UsageError(
            `host ${host} cannot see the output dir ${outputDir} (looked for ${probeName} there from ${prepared.cwd}${said ? `: ${said}` : ''}); the output dir and the working dir must be on a filesystem every host shares (NFS, Lustre, GPFS), at the same path`,
          );
        }
      } finally {
        rmSync(probe, { force: true });
      }
    },
    runnerCommands(): RunnerCommand[] {
      return hosts.map((host, worker) => {
        const args = runnerArgs({ outputDir, hostId: host, hostIndex: worker, devices: explicitDevices, events: 'json', supervised: true });
        const runner = [process.execPath, runnerMain, ...args].map(shellWord).join(' ');
        const [file, ...rest] = commandFor(host, worker, runner);
        return { host, file: file!, args: rest, local: false };
      });
    },
  };
}
