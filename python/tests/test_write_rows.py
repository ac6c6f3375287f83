import datetime
import json
import math
import os
import re
import unittest
from pathlib import Path
from unittest import mock

from chunkrun import write_rows
from chunkrun.row_writer import dataset_file_name

from tests.helpers import TempDirTestCase, chunk_vars, pyarrow_hidden, read_jsonl, requires_pyarrow

ROWS = [
    {"index": 0, "prompt": "naïve — 证明", "score": 0.5, "solved": True, "note": None, "embedding": [0.1, 0.2]},
    {"index": 1, "prompt": "second", "score": 1.25, "solved": False, "note": "n", "embedding": [0.3, 0.4]},
]


class ArrayLike:
    """Stands for a numpy value: plain Python through tolist()."""

    def __init__(self, value):
        self.value = value

    def tolist(self):
        return self.value


class JsonlWriteTest(TempDirTestCase):
    def setUp(self):
        super().setUp()
        hidden = pyarrow_hidden()
        hidden.__enter__()
        self.addCleanup(hidden.__exit__, None, None, None)

    def test_writes_one_utf8_object_per_line(self):
        path = Path(write_rows(ROWS, "out", "sae", start=0, end=1))
        self.assertRegex(path.name, r"^dataset_sae_00000-00001_\d{8}T\d{12}Z_p\d+\.jsonl$")
        self.assertEqual(path.parent, Path("out"))
        self.assertEqual(read_jsonl(path), ROWS)
        self.assertIn("naïve — 证明", path.read_text(encoding="utf-8"))

    def test_nan_and_infinity_become_null(self):
        path = write_rows([{"index": 0, "x": math.nan, "y": [math.inf, -math.inf, 1.0], "z": {"w": math.nan}}], "out", "sae")
        self.assertEqual(read_jsonl(Path(path)), [{"index": 0, "x": None, "y": [None, None, 1.0], "z": {"w": None}}])

    def test_numpy_like_values_and_dates_are_written_plainly(self):
        row = {"index": 0, "vector": ArrayLike([1.0, math.nan]), "when": datetime.date(2024, 5, 1), "pair": (1, 2)}
        path = write_rows([row], "out", "sae")
        self.assertEqual(read_jsonl(Path(path)), [{"index": 0, "vector": [1.0, None], "when": "2024-05-01", "pair": [1, 2]}])

    def test_unserializable_value_is_an_error_naming_the_row(self):
        with self.assertRaisesRegex(TypeError, "row 1 cannot be written as JSON"):
            write_rows([{"index": 0}, {"index": 1, "bad": object()}], "out", "sae")
        self.assertEqual(os.listdir("out"), [])

    def test_range_defaults_to_the_current_chunk(self):
        os.environ.update(chunk_vars(50, 99, str(self.tmp / "chunk")))
        path = write_rows(ROWS, "out", "sae")
        self.assertIn("_00050-00099_", os.path.basename(path))

    def test_without_a_range_the_name_has_none(self):
        self.assertRegex(os.path.basename(write_rows(ROWS, "out", "sae")), r"^dataset_sae_\d{8}T\d{12}Z_p\d+\.jsonl$")

    def test_output_dir_is_created(self):
        write_rows(ROWS, "a/b/c", "sae")
        self.assertEqual(len(os.listdir("a/b/c")), 1)

    def test_two_writes_never_share_a_name(self):
        frozen = datetime.datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=datetime.timezone.utc)
        with mock.patch("chunkrun.row_writer.datetime") as clock:
            clock.datetime.now.return_value = frozen
            clock.timezone = datetime.timezone
            paths = [write_rows(ROWS, "out", "sae", start=0, end=1) for _ in range(3)]
        self.assertEqual(len(set(paths)), 3)
        self.assertEqual(sorted(os.listdir("out")), sorted(os.path.basename(p) for p in paths))

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "dataset name"):
            write_rows(ROWS, "out", "a/b")
        with self.assertRaisesRegex(ValueError, "both start and end"):
            write_rows(ROWS, "out", "sae", start=1)

    def test_empty_rows_make_an_empty_file(self):
        path = write_rows([], "out", "sae")
        self.assertEqual(os.path.getsize(path), 0)


class AtomicWriteTest(TempDirTestCase):
    def rows_that_fail_after(self, count):
        for index in range(count):
            yield {"index": index}
        raise RuntimeError("phase crashed while producing rows")

    def test_a_failed_write_leaves_no_file_at_all(self):
        with pyarrow_hidden(), self.assertRaisesRegex(RuntimeError, "phase crashed"):
            write_rows(self.rows_that_fail_after(1000), "out", "sae")
        self.assertEqual(os.listdir("out"), [])

    def test_the_data_is_written_under_a_hidden_temp_name_then_renamed(self):
        seen = []
        real_replace = os.replace

        def replace(source, target):
            seen.append((os.path.basename(source), os.path.basename(target), os.path.getsize(source)))
            real_replace(source, target)

        with pyarrow_hidden(), mock.patch("chunkrun.atomic_file.os.replace", side_effect=replace), \
                mock.patch("chunkrun.atomic_file.os.fsync", wraps=os.fsync) as fsync:
            path = write_rows(ROWS, "out", "sae")
        (source, target, size), = seen
        self.assertEqual(target, os.path.basename(path))
        self.assertTrue(source.startswith(".") and source.endswith(".tmp"), source)
        self.assertFalse(source.startswith("dataset_"))
        self.assertEqual(size, os.path.getsize(path))
        self.assertGreaterEqual(fsync.call_count, 1)
        self.assertEqual(os.listdir("out"), [target])

    def test_a_failed_rename_removes_the_temp_file(self):
        with pyarrow_hidden(), mock.patch("chunkrun.atomic_file.os.replace", side_effect=OSError(28, "No space left on device")):
            with self.assertRaisesRegex(OSError, "No space left"):
                write_rows(ROWS, "out", "sae")
        self.assertEqual(os.listdir("out"), [])


    def test_a_filesystem_that_cannot_sync_folders_still_gets_the_file(self):
        from chunkrun import atomic_file

        real_fsync_path = atomic_file._fsync_path

        def refuse_folders(path, flags):
            if os.path.isdir(path):
                raise OSError(22, "Invalid argument")
            real_fsync_path(path, flags)

        with pyarrow_hidden(), mock.patch.object(atomic_file, "_fsync_path", side_effect=refuse_folders):
            path = write_rows(ROWS, "out", "sae")
        self.assertEqual(read_jsonl(Path(path)), ROWS)


@requires_pyarrow
class PyarrowWriteTest(TempDirTestCase):
    """The Parquet path, through the real pyarrow writer."""

    def read_back(self, path):
        import pyarrow.parquet as pq

        return pq.ParquetFile(path)

    def test_writes_snappy_parquet_under_a_temp_name_then_renames(self):
        import pyarrow.parquet as pq

        written_to = []
        real_write_table = pq.write_table

        def record_write(table, where, *args, **kwargs):
            written_to.append(str(where))
            return real_write_table(table, where, *args, **kwargs)

        with mock.patch.object(pq, "write_table", side_effect=record_write):
            path = Path(write_rows(ROWS, "out", "sae", start=0, end=1))
        self.assertRegex(path.name, r"^dataset_sae_00000-00001_\d{8}T\d{12}Z_p\d+\.parquet$")
        self.assertEqual(len(written_to), 1)
        self.assertNotEqual(written_to[0], str(path), "pyarrow must write the temp file, not the final name")
        parquet_file = self.read_back(path)
        self.assertEqual(parquet_file.metadata.row_group(0).column(0).compression, "SNAPPY")
        self.assertEqual(parquet_file.read().to_pylist(), ROWS)
        self.assertEqual(os.listdir("out"), [path.name])

    def test_round_trips_nulls_and_nan(self):
        rows = [*ROWS, {"index": 2, "prompt": None, "score": math.nan, "solved": None, "note": "late", "embedding": None}]
        path = write_rows(rows, "out", "sae", start=0, end=2)
        read = self.read_back(path).read().to_pylist()
        self.assertEqual(read[:2], ROWS)
        self.assertTrue(math.isnan(read[2]["score"]))
        self.assertEqual(read[2]["note"], "late")

    def test_columns_come_from_every_row_not_just_the_first(self):
        rows = [{"index": 0}, {"index": 1, "late": "x"}, {"index": 2, "note": None}]
        path = write_rows(rows, "out", "sae")
        self.assertEqual(
            self.read_back(path).read().to_pylist(),
            [{"index": 0, "late": None, "note": None}, {"index": 1, "late": "x", "note": None}, {"index": 2, "late": None, "note": None}],
        )

    def test_a_failing_pyarrow_leaves_no_file(self):
        import pyarrow.parquet as pq

        with mock.patch.object(pq, "write_table", side_effect=OSError("disk full")), self.assertRaisesRegex(OSError, "disk full"):
            write_rows(ROWS, "out", "sae")
        self.assertEqual(os.listdir("out"), [])


class FileNameTest(unittest.TestCase):
    def test_name_pads_the_range_like_chunk_dirs(self):
        now = datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
        name = dataset_file_name("sae", ".parquet", 50, 123456, now)
        self.assertEqual(name, f"dataset_sae_00050-123456_20240102T030405000006Z_p{os.getpid()}.parquet")


if __name__ == "__main__":
    unittest.main()
