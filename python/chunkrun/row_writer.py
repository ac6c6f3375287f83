"""write_rows: a phase's rows into one dataset file of its output dir, Parquet when pyarrow
is installed, JSONL otherwise."""

import datetime
import os
from typing import Dict, Iterable, List, Optional

from .atomic_file import atomic_path
from .chunk_env import current_chunk
from .json_lines import dump_rows
from .optional_pyarrow import load_pyarrow

# Same padding as the runner's chunk dirs, so a listing sorts in index order.
INDEX_DIGITS = 5


def dataset_file_name(name: str, extension: str, start: Optional[int], end: Optional[int], now: datetime.datetime) -> str:
    """dataset_<name>_<start>-<end>_<UTC timestamp>_p<pid>.<extension>; the pid and the
    microseconds keep two processes writing one folder from ever picking the same name."""
    parts = ["dataset", name]
    if start is not None and end is not None:
        parts.append(f"{start:0{INDEX_DIGITS}d}-{end:0{INDEX_DIGITS}d}")
    parts.append(now.strftime("%Y%m%dT%H%M%S%fZ"))
    parts.append(f"p{os.getpid()}")
    return "_".join(parts) + extension


def _unused_path(directory: str, file_name: str) -> str:
    stem, extension = os.path.splitext(file_name)
    candidate, copy = file_name, 1
    # Only this process uses its pid in a name, so a clash is a second call within one microsecond.
    while os.path.exists(os.path.join(directory, candidate)):
        copy += 1
        candidate = f"{stem}-{copy}{extension}"
    return os.path.join(directory, candidate)


def _columns_of(rows: List[dict]) -> Dict[str, list]:
    """Column lists over every key of every row (pyarrow's from_pylist looks only at the
    first row's keys and would drop the others); a row without a key gets None there."""
    names: Dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return {name: [row.get(name) for row in rows] for name in names}


def _write_parquet(rows: Iterable[dict], path: str, pyarrow_modules) -> None:
    pa, pq = pyarrow_modules
    table = pa.Table.from_pydict(_columns_of(list(rows)))
    pq.write_table(table, path, compression="snappy")


def _write_jsonl(rows: Iterable[dict], path: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        dump_rows(rows, out)


def write_rows(rows: Iterable[dict], output_dir: str, name: str, *, start: Optional[int] = None, end: Optional[int] = None) -> str:
    """Writes rows (dicts) as one new file in output_dir and returns its path.

    Parquet (snappy) when pyarrow is importable, else JSONL, where NaN and +-Infinity
    become null. The file appears atomically under its final name. start/end name the
    range in the file name; they default to the current chunk's.
    """
    if not name or "/" in name or os.sep in name:
        raise ValueError(f"dataset name {name!r} must be a non-empty file name part, e.g. 'sae'")
    if (start is None) != (end is None):
        raise ValueError("give both start and end, or neither")
    if start is None:
        chunk = current_chunk()
        if chunk is not None:
            start, end = chunk.start, chunk.end
    os.makedirs(output_dir, exist_ok=True)
    pyarrow_modules = load_pyarrow()
    extension = ".parquet" if pyarrow_modules else ".jsonl"
    now = datetime.datetime.now(datetime.timezone.utc)
    final_path = _unused_path(output_dir, dataset_file_name(name, extension, start, end, now))
    with atomic_path(final_path) as temp:
        if pyarrow_modules:
            _write_parquet(rows, temp, pyarrow_modules)
        else:
            _write_jsonl(rows, temp)
    return final_path
