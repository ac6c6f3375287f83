"""Null phase for bench/overhead.mjs: no work, one tiny output file (so a chunk can commit)."""

import os
import sys

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
out_dir = os.environ.get("BENCH_OUTPUT_DIR")
if out_dir:
    with open(os.path.join(out_dir, f"dataset_null_{args['--start']}.jsonl"), "w") as out:
        out.write('{"index": %s}\n' % args["--start"])
