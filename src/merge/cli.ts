/** merge-chunks' flags: one definition, used by main.ts and checked against the README. */
import { Command, Option } from 'commander';
import { oneLineErrors } from '../core/cli-errors.js';
import { DEFAULT_VERIFY, VERIFY_LEVELS, type VerifyLevel } from '../parquet/index.js';

export interface MergeCliOptions {
  phase?: string;
  device?: string;
  all?: boolean;
  outputDir?: string;
  config?: string;
  allowPartial?: boolean;
  deleteChunks?: boolean;
  verify?: VerifyLevel;
  keepRowGroups?: boolean;
}

export function buildMergeProgram(): Command {
  return oneLineErrors(
    new Command('merge-chunks')
      .description("merge a checkpointed run's committed chunks into one Parquet file per device (or one in all, in index order)")
      .option('--phase <name>', 'the phase whose outputDir (from the config) holds the chunks')
      .addOption(new Option('--device <name>', 'merge only this device folder (default: every device)').conflicts('all'))
      .option('--all', 'one file over the whole range, in index order: dataset_all_<timestamp>.parquet')
      .option('--output-dir <dir>', "the run's output dir (default: the phase's outputDir from the config)")
      .option('--config <file>', 'config file (default: launcher.config.json/.yaml here, else the built-in one)')
      .option('--allow-partial', 'merge what is committed even if chunks of the plan are missing, and say which')
      .option('--delete-chunks', 'delete chunk data files once the merged file is written, fsynced and verified (markers and logs stay)')
      .addOption(
        new Option(
          '--verify <level>',
          `how much of each copied chunk file is checked: headers (every page header, offsets, counts, CRCs) or pages (also decompress every page and read its levels) (default: ${DEFAULT_VERIFY})`,
        ).choices(VERIFY_LEVELS),
      )
      .option(
        '--keep-row-groups',
        'copy every row group as it is, small ones too (default: small ones are re-encoded together into bigger ones, unless a chunk holds a type that cannot be re-encoded exactly)',
      ),
  );
}
