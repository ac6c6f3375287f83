"""JSON Lines as chunkrun writes and reads them: one object per line, UTF-8."""

import datetime
import json
import math
from typing import Any, Iterable, Iterator, TextIO


def json_safe(value: Any) -> Any:
    """value with NaN and +-Infinity as None (JSON has no such numbers), numpy values and
    arrays as plain Python (anything with .tolist()), and dates as ISO 8601 strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if not isinstance(value, (str, int, bool, type(None))) and callable(getattr(value, "tolist", None)):
        return json_safe(value.tolist())
    return value


def dump_rows(rows: Iterable[dict], out: TextIO) -> int:
    """Writes each row as one line; returns the number of rows."""
    count = 0
    for row in rows:
        try:
            line = json.dumps(json_safe(row), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as error:
            raise TypeError(f"row {count} cannot be written as JSON: {error}") from None
        out.write(line)
        out.write("\n")
        count += 1
    return count


def load_rows(path: str) -> Iterator[dict]:
    """Rows of a JSONL file, streamed line by line; blank lines are skipped."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number} is not valid JSON: {error}") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number} is a JSON {type(row).__name__}, expected an object")
            yield row
