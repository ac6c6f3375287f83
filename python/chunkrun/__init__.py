"""Helpers for phases run by chunkrun: the current chunk, where to write, how to write
rows, progress reporting, and reading only the rows a chunk needs; chunkrun.worker.serve
runs a phase as a persistent worker (its model loaded once per device). Standard library
only; pyarrow is used when it is installed."""

from .chunk_env import Chunk, current_chunk, output_dir
from .empty_chunk import mark_empty
from .phase_args import PhaseArgumentParser, parse_phase_args
from .progress_reporting import ProgressReporter, items, progress
from .row_reader import read_rows
from .row_writer import write_rows

__all__ = [
    "Chunk",
    "PhaseArgumentParser",
    "ProgressReporter",
    "current_chunk",
    "items",
    "mark_empty",
    "output_dir",
    "parse_phase_args",
    "progress",
    "read_rows",
    "write_rows",
]
