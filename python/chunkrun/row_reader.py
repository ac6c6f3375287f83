"""read_rows: only the rows of an input dataset whose index falls in a chunk's range,
streamed, so a chunk of 50 items does not load a dataset of millions."""

import os
from typing import Iterator, List, Optional, Sequence, Tuple

from .json_lines import load_rows
from .optional_pyarrow import load_pyarrow

DATA_EXTENSIONS = (".parquet", ".jsonl")


def dataset_files(path: str) -> List[str]:
    """path itself, or the .parquet/.jsonl files directly inside it, by name. Subfolders
    (such as a run's chunks/) and hidden temp files are not read."""
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.endswith(DATA_EXTENSIONS) and not n.startswith("."))
        if not names:
            raise FileNotFoundError(f"input {path} holds no .parquet or .jsonl files")
        return [os.path.join(path, n) for n in names]
    if not os.path.exists(path):
        raise FileNotFoundError(f"input {path} does not exist")
    if not path.endswith(DATA_EXTENSIONS):
        raise ValueError(f"input {path} is neither .parquet nor .jsonl")
    return [path]


def overlapping_row_groups(index_ranges: Sequence[Optional[Tuple[int, int]]], start: int, end: int) -> List[int]:
    """Row groups that may hold an index in start..end, from each group's (min, max) index;
    a group without statistics (None) has to be read."""
    return [
        group for group, bounds in enumerate(index_ranges)
        if bounds is None or (bounds[0] <= end and bounds[1] >= start)
    ]


def _index_ranges(metadata, index_column: str) -> List[Optional[Tuple[int, int]]]:
    ranges: List[Optional[Tuple[int, int]]] = []
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        bounds = None
        for column in range(row_group.num_columns):
            chunk = row_group.column(column)
            if chunk.path_in_schema == index_column:
                stats = chunk.statistics
                if stats is not None and stats.has_min_max:
                    bounds = (stats.min, stats.max)
                break
        ranges.append(bounds)
    return ranges


def _read_parquet(path: str, start: int, end: int, index_column: str) -> Iterator[dict]:
    modules = load_pyarrow()
    if modules is None:
        raise RuntimeError(f"reading {path} needs pyarrow: pip install pyarrow, or give a .jsonl input")
    _, pq = modules
    import pyarrow.compute as pc

    parquet_file = pq.ParquetFile(path)
    try:
        if index_column not in parquet_file.schema_arrow.names:
            raise ValueError(f"{path} has no column {index_column!r} (columns: {', '.join(parquet_file.schema_arrow.names)})")
        groups = overlapping_row_groups(_index_ranges(parquet_file.metadata, index_column), start, end)
        if not groups:
            return
        for batch in parquet_file.iter_batches(row_groups=groups):
            index = batch.column(batch.schema.get_field_index(index_column))
            in_range = pc.and_(pc.greater_equal(index, start), pc.less_equal(index, end))
            yield from batch.filter(in_range).to_pylist()
    finally:
        parquet_file.close()


def _read_jsonl(path: str, start: int, end: int, index_column: str) -> Iterator[dict]:
    for number, row in enumerate(load_rows(path), 1):
        if index_column not in row:
            raise ValueError(f"{path}: row {number} has no {index_column!r} field")
        index = row[index_column]
        if index is not None and start <= index <= end:
            yield row


def read_rows(path: str, start: int, end: int, index_column: str = "index") -> Iterator[dict]:
    """Rows (dicts) whose index_column is in start..end inclusive, from a .jsonl file, a
    .parquet file (needs pyarrow; row groups whose index statistics miss the range are
    skipped) or a folder of such files. Rows come in file order; nothing is sorted."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    # Listed now, not on first next(), so a wrong path fails where read_rows is called.
    return _rows_of(dataset_files(path), start, end, index_column)


def _rows_of(files: List[str], start: int, end: int, index_column: str) -> Iterator[dict]:
    for file in files:
        reader = _read_parquet if file.endswith(".parquet") else _read_jsonl
        yield from reader(file, start, end, index_column)
