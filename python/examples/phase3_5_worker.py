"""Example phase 3.5 as a worker: the same rows as phase3_5.py, with the (simulated) model
loaded once per device in setup ("worker": true in the config). Run by hand it is still a
plain command:

    python3 python/examples/phase3_5_worker.py --start 0 --end 9 --model m --load 1 [--input PATH]

With --input (phase 1's output) each chunk reads only its own rows of it (read_rows).
Writes dataset_scores_* into chunk.dir: the chunk's dir under the runner, the output dir
with --no-checkpoint, data/phase3_5 when run by hand. Knobs for tests: see example_knobs.py.
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
from phase3_5 import TEMPERATURES, phase3_5_rows, prompt_lengths_from, synthetic_prompt_length


def setup(ctx):
    parser = argparse.ArgumentParser(prog="phase3_5_worker.py")
    add_delay_argument(parser)
    add_load_argument(parser)
    parser.add_argument("--input", default=None, help="phase 1 output (file or folder) to take the prompts from")
    args = parser.parse_args(ctx.args)
    ExampleKnobs("3.5").at_setup()
    print(f"phase3_5_worker: loading model {ctx.model} on {ctx.device} ({args.load} s)", flush=True)
    time.sleep(args.load)
    return {"model": ctx.model or "none", "delay": args.delay, "input": args.input}


def run_chunk(state, chunk):
    knobs = ExampleKnobs("3.5")
    knobs.at_start(chunk.start, chunk.end)
    lengths = prompt_lengths_from(state["input"], chunk.start, chunk.end) if state["input"] else None
    rows = []
    for index in chunk.items():
        knobs.at_index(index)
        time.sleep(state["delay"])
        length = lengths[index] if lengths is not None else synthetic_prompt_length(index)
        rows.extend(phase3_5_rows(index, state["model"], length))
    path = chunkrun.write_rows(rows, chunk.dir, "scores", start=chunk.start, end=chunk.end)
    print(f"phase3_5_worker: {len(rows)} rows for {chunk.start}-{chunk.end} at {len(TEMPERATURES)} temperatures (model {state['model']}) -> {path}")


if __name__ == "__main__":
    serve(setup, run_chunk, default_dir="data/phase3_5")
