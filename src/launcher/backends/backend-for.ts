/** Which backend a launch uses, with the flag combinations that cannot work refused first. */
import { UsageError } from '../../core/errors.js';
import { checkHostId } from '../../core/host-id.js';
import type { BackendContext, RunnerBackend } from './backend.js';
import { localBackend } from './local.js';
import { slurmBackend } from './slurm.js';
import { sshBackend } from './ssh.js';

const SLURM_ONLY = ['nodes', 'gpusPerNode', 'partition', 'sbatchArg', 'wait', 'requeue'] as const;
const FLAG: Record<(typeof SLURM_ONLY)[number], string> = {
  nodes: '--nodes',
  gpusPerNode: '--gpus-per-node',
  partition: '--partition',
  sbatchArg: '--sbatch-arg',
  wait: '--wait',
  requeue: '--requeue',
};

export function backendFor(context: BackendContext): RunnerBackend {
  const { options } = context;
  if (options.hostId !== undefined) checkHostId(options.hostId, '--host-id');
  if (options.slurm && options.hosts !== undefined) {
    throw new UsageError('--slurm and --hosts both given; use one: Slurm places the runners itself, --hosts starts them over ssh');
  }
  const remote = options.slurm ? '--slurm' : options.hosts !== undefined ? '--hosts' : undefined;
  if (remote && !options.checkpoint) throw new UsageError(`${remote} runs checkpointed chunks; drop --no-checkpoint`);
  if (remote && options.gpus !== undefined) {
    throw new UsageError(
      `--gpus names GPUs of this host; with ${remote} use --devices cuda:0-3${remote === '--slurm' ? ' or --gpus-per-node' : ''}, or let each host detect its own`,
    );
  }
  if (options.slurm && !options.merge) {
    throw new UsageError(
      '--no-merge does not apply with --slurm: the merge is its own job after the array (see --dry-run); drop --no-merge, and scancel that job to skip it',
    );
  }
  if (remote && options.hostId !== undefined) throw new UsageError(`--host-id names this host; with ${remote} each host gets its own id`);
  if (!options.slurm) {
    const stray = SLURM_ONLY.find((key) => options[key] !== undefined);
    if (stray) throw new UsageError(`${FLAG[stray]} is a Slurm option; add --slurm (or drop ${FLAG[stray]})`);
  }
  if (options.sshTemplate !== undefined && options.hosts === undefined) throw new UsageError('--ssh-template needs --hosts');
  if (options.slurm) return slurmBackend(context);
  if (options.hosts !== undefined) return sshBackend(context);
  return localBackend(context);
}
