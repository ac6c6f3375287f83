"""The arguments every phase takes (--start, --end, --model), with one-line errors that say
what is wrong, exit code 2 as for any bad usage."""

import argparse
import sys
from typing import List, NoReturn, Optional, Tuple


class PhaseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser with --start/--end (inclusive, integers >= 0, end >= start) and
    --model; a phase adds its own arguments to it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_argument("--start", required=True, help="first index, inclusive")
        self.add_argument("--end", required=True, help="last index, inclusive")
        self.add_argument("--model", default=None, help="model name or path")

    def parse_known_args(self, args=None, namespace=None) -> Tuple[argparse.Namespace, List[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        parsed.start = self._index(parsed.start, "--start")
        parsed.end = self._index(parsed.end, "--end")
        if parsed.end < parsed.start:
            self.error(f"--end {parsed.end} is before --start {parsed.start}")
        return parsed, extra

    def _index(self, text: str, flag: str) -> int:
        try:
            value = int(text)
        except ValueError:
            self.error(f"{flag} {text} is not an integer")
        if value < 0:
            self.error(f"{flag} {value} is negative; indices start at 0")
        return value

    def error(self, message: str) -> NoReturn:
        # One line, no usage block: it lands in a chunk's run.log and the runner's summary.
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def parse_phase_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """--start, --end (ints) and --model from argv (default sys.argv[1:]); exits 2 on error."""
    return PhaseArgumentParser().parse_args(argv)
