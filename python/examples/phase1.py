"""Example phase 1: "builds the dataset" for problems --start..--end, one row per index.

Deterministic: an index gives the same row (for one --model) however the range is chunked.
Writes dataset_sae_* into $PHASE1_OUTPUT_DIR, else data/phase1_0. Knobs for tests: see
example_knobs.py.
"""

import random
import sys
import time
from pathlib import Path

try:
    import chunkrun
except ImportError:
    # Run by hand, without the PYTHONPATH that the runner sets.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import chunkrun

from example_knobs import ExampleKnobs, add_delay_argument

WORDS = (
    "prove that the sum of two odd integers is even given a triangle with sides find its area "
    "compute the number of ways to choose a committee from people where order does not matter "
    "show every prime greater than three is one more or one less than a multiple of six"
).split()
NOTES = ("easy", "needs review — ambiguous wording", "naïve baseline fails", "证明题", "duplicate of an earlier problem")
EMBEDDING_SIZE = 8


def phase1_row(index: int, model: str) -> dict:
    rng = random.Random(f"phase1/{model}/{index}")
    prompt_length = rng.randint(100, 200)
    prompt = f"Problem {index}:"
    while len(prompt) < prompt_length:
        prompt += " " + rng.choice(WORDS)
    score = round(rng.random(), 6)
    return {
        "index": index,
        "problem_id": f"problem_{index:05d}",
        "prompt": prompt,
        "score": score,
        "solved": score >= 0.5,
        "note": None if index % 3 == 0 else rng.choice(NOTES),
        "embedding": [round(rng.uniform(-1.0, 1.0), 6) for _ in range(EMBEDDING_SIZE)],
    }


def main(argv=None) -> None:
    parser = chunkrun.PhaseArgumentParser(prog="phase1.py", description="Example phase 1: one row per problem index.")
    add_delay_argument(parser)
    args = parser.parse_args(argv)
    model = args.model or "none"
    knobs = ExampleKnobs("1")
    knobs.at_start(args.start, args.end)

    out_dir = chunkrun.output_dir("PHASE1_OUTPUT_DIR", "data/phase1_0")
    rows = []
    for index in chunkrun.items(args.start, args.end):
        knobs.at_index(index)
        time.sleep(args.delay)
        rows.append(phase1_row(index, model))
    path = chunkrun.write_rows(rows, out_dir, "sae", start=args.start, end=args.end)
    print(f"phase1: {len(rows)} rows for {args.start}-{args.end} (model {model}) -> {path}")


if __name__ == "__main__":
    main()
