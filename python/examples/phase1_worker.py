"""Example phase 1 as a worker: the same rows as phase1.py, but the (simulated) model is
loaded once per device in setup, and chunks arrive as messages ("worker": true in the
config). Run by hand it is still a plain command:

    python3 python/examples/phase1_worker.py --start 0 --end 9 --model m --load 1

Writes dataset_sae_* into chunk.dir: the chunk's dir under the runner, the output dir with
--no-checkpoint, data/phase1_0 when run by hand.
Knobs for tests: see example_knobs.py.
"""

import argparse
import sys
import time
from pathlib import Path

try:
    import chunkrun
except ImportError:
    # Run by hand, without the PYTHONPATH that the runner sets.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import chunkrun
from chunkrun.worker import serve

from example_knobs import ExampleKnobs, add_delay_argument, add_load_argument
from phase1 import phase1_row


def setup(ctx):
    parser = argparse.ArgumentParser(prog="phase1_worker.py")
    add_delay_argument(parser)
    add_load_argument(parser)
    args = parser.parse_args(ctx.args)
    ExampleKnobs("1").at_setup()
    print(f"phase1_worker: loading model {ctx.model} on {ctx.device} ({args.load} s)", flush=True)
    time.sleep(args.load)
    return {"model": ctx.model or "none", "delay": args.delay}


def run_chunk(state, chunk):
    knobs = ExampleKnobs("1")
    knobs.at_start(chunk.start, chunk.end)
    rows = []
    for index in chunk.items():
        knobs.at_index(index)
        time.sleep(state["delay"])
        rows.append(phase1_row(index, state["model"]))
    path = chunkrun.write_rows(rows, chunk.dir, "sae", start=chunk.start, end=chunk.end)
    print(f"phase1_worker: {len(rows)} rows for {chunk.start}-{chunk.end} (model {state['model']}) -> {path}")


if __name__ == "__main__":
    serve(setup, run_chunk, default_dir="data/phase1_0")
