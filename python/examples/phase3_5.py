"""Example phase 3.5: "scores the prompts" of --start..--end at 5 temperatures, 5 rows per
index.

With --input PATH (phase 1's output: a .jsonl/.parquet file or a folder of them) it reads
only the phase 1 rows of its range and uses their prompt lengths; without it, synthetic
ones. Deterministic per index either way. Writes dataset_scores_* into $PHASE3_5_OUTPUT_DIR,
else data/phase3_5. Knobs for tests: see example_knobs.py.
"""

import random
import sys
import time
from pathlib import Path
from typing import Dict, Optional

try:
    import chunkrun
except ImportError:
    # Run by hand, without the PYTHONPATH that the runner sets.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import chunkrun

from example_knobs import ExampleKnobs, add_delay_argument

TEMPERATURES = (0.0, 0.3, 0.7, 1.0, 1.5)


def prompt_lengths_from(path: str, start: int, end: int) -> Dict[int, int]:
    lengths = {row["index"]: len(row["prompt"]) for row in chunkrun.read_rows(path, start, end)}
    missing = [index for index in range(start, end + 1) if index not in lengths]
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        print(f"phase3_5: --input {path} has no row for index {shown}; run phase 1 over {start}-{end} first", file=sys.stderr)
        sys.exit(1)
    return lengths


def synthetic_prompt_length(index: int) -> int:
    return random.Random(f"phase3.5/prompt/{index}").randint(100, 200)


def phase3_5_rows(index: int, model: str, prompt_length: int) -> list:
    rows = []
    for temperature in TEMPERATURES:
        rng = random.Random(f"phase3.5/{model}/{index}/{temperature}")
        tokens = prompt_length // 4 + rng.randint(0, 32)
        logprob = -tokens * (0.1 + temperature) * rng.uniform(0.8, 1.2)
        rows.append({"index": index, "temperature": temperature, "logprob": round(logprob, 6), "tokens": tokens})
    return rows


def main(argv=None) -> None:
    parser = chunkrun.PhaseArgumentParser(prog="phase3_5.py", description="Example phase 3.5: scores each prompt at 5 temperatures.")
    add_delay_argument(parser)
    parser.add_argument("--input", default=None, help="phase 1 output (file or folder) to take the prompts from")
    args = parser.parse_args(argv)
    model = args.model or "none"
    knobs = ExampleKnobs("3.5")
    knobs.at_start(args.start, args.end)

    lengths: Optional[Dict[int, int]] = None
    if args.input:
        try:
            lengths = prompt_lengths_from(args.input, args.start, args.end)
        except (OSError, ValueError, RuntimeError) as error:
            print(f"phase3_5: cannot read --input: {error}", file=sys.stderr)
            sys.exit(1)

    out_dir = chunkrun.output_dir("PHASE3_5_OUTPUT_DIR", "data/phase3_5")
    rows = []
    for index in chunkrun.items(args.start, args.end):
        knobs.at_index(index)
        time.sleep(args.delay)
        length = lengths[index] if lengths is not None else synthetic_prompt_length(index)
        rows.extend(phase3_5_rows(index, model, length))
    path = chunkrun.write_rows(rows, out_dir, "scores", start=args.start, end=args.end)
    source = f"prompts from {args.input}" if args.input else "synthetic prompts"
    print(f"phase3_5: {len(rows)} rows for {args.start}-{args.end} at {len(TEMPERATURES)} temperatures, {source} (model {model}) -> {path}")


if __name__ == "__main__":
    main()
