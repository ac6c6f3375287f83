import json
import os
import unittest
from pathlib import Path
from unittest import mock

from chunkrun import read_rows, write_rows
from chunkrun import row_reader
from chunkrun.row_reader import overlapping_row_groups

from tests.helpers import TempDirTestCase, pyarrow_hidden, requires_pyarrow


def write_jsonl(path: Path, indices, extra=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for index in indices:
            out.write(json.dumps({"index": index, "prompt": f"p{index}", **(extra or {})}) + "\n")


class JsonlReadTest(TempDirTestCase):
    def test_yields_only_rows_in_the_inclusive_range(self):
        write_jsonl(self.tmp / "in.jsonl", range(100))
        rows = list(read_rows(str(self.tmp / "in.jsonl"), 40, 44))
        self.assertEqual([row["index"] for row in rows], [40, 41, 42, 43, 44])
        self.assertEqual(rows[0], {"index": 40, "prompt": "p40"})

    def test_unsorted_input_keeps_file_order(self):
        write_jsonl(self.tmp / "in.jsonl", [9, 3, 5, 4, 12])
        self.assertEqual([row["index"] for row in read_rows(str(self.tmp / "in.jsonl"), 4, 9)], [9, 5, 4])

    def test_streams_instead_of_loading_the_file(self):
        write_jsonl(self.tmp / "in.jsonl", range(1000))
        rows = read_rows(str(self.tmp / "in.jsonl"), 0, 999)
        self.assertEqual(next(rows)["index"], 0)
        rows.close()

    def test_other_index_column_blank_lines_and_null_index(self):
        path = self.tmp / "in.jsonl"
        path.write_text('{"sample": 1}\n\n{"sample": null}\n{"sample": 2}\n')
        self.assertEqual(list(read_rows(str(path), 2, 5, index_column="sample")), [{"sample": 2}])

    def test_missing_index_column_names_file_and_row(self):
        path = self.tmp / "in.jsonl"
        path.write_text('{"index": 1}\n{"idx": 2}\n')
        with self.assertRaisesRegex(ValueError, r"in\.jsonl: row 2 has no 'index' field"):
            list(read_rows(str(path), 0, 5))

    def test_corrupt_line_names_file_and_line(self):
        path = self.tmp / "in.jsonl"
        path.write_text('{"index": 1}\n{"index": \n')
        with self.assertRaisesRegex(ValueError, r"in\.jsonl:2 is not valid JSON"):
            list(read_rows(str(path), 0, 5))

    def test_reads_what_write_rows_wrote(self):
        with pyarrow_hidden():
            path = write_rows([{"index": i, "v": i * 0.5} for i in range(10)], "out", "sae")
            self.assertEqual(list(read_rows(path, 8, 20)), [{"index": 8, "v": 4.0}, {"index": 9, "v": 4.5}])


class DirectoryReadTest(TempDirTestCase):
    def test_reads_the_data_files_of_a_folder_in_name_order(self):
        write_jsonl(self.tmp / "in" / "dataset_b.jsonl", range(50, 100))
        write_jsonl(self.tmp / "in" / "dataset_a.jsonl", range(0, 50))
        write_jsonl(self.tmp / "in" / ".dataset_c.jsonl.123.tmp", range(0, 100))
        write_jsonl(self.tmp / "in" / ".hidden.jsonl", range(0, 100))
        write_jsonl(self.tmp / "in" / "chunks" / "gpu0" / "chunk_00000-00049" / "dataset_x.jsonl", range(0, 50))
        (self.tmp / "in" / "run.json").write_text("{}")
        rows = read_rows(str(self.tmp / "in"), 45, 55)
        self.assertEqual([row["index"] for row in rows], list(range(45, 56)))

    def test_a_folder_without_data_files_is_an_error(self):
        (self.tmp / "empty").mkdir()
        with self.assertRaisesRegex(FileNotFoundError, "holds no .parquet or .jsonl files"):
            read_rows(str(self.tmp / "empty"), 0, 1)

    def test_a_missing_path_fails_at_the_call(self):
        with self.assertRaisesRegex(FileNotFoundError, "does not exist"):
            read_rows(str(self.tmp / "nope.jsonl"), 0, 1)

    def test_other_file_types_are_refused(self):
        (self.tmp / "in.csv").write_text("index\n1\n")
        with self.assertRaisesRegex(ValueError, "neither .parquet nor .jsonl"):
            read_rows(str(self.tmp / "in.csv"), 0, 1)

    def test_reversed_range_is_refused(self):
        write_jsonl(self.tmp / "in.jsonl", range(3))
        with self.assertRaisesRegex(ValueError, "end 1 is before start 2"):
            read_rows(str(self.tmp / "in.jsonl"), 2, 1)


class ParquetWithoutPyarrowTest(TempDirTestCase):
    def test_says_to_install_pyarrow(self):
        (self.tmp / "in.parquet").write_bytes(b"PAR1....PAR1")
        with pyarrow_hidden(), self.assertRaisesRegex(RuntimeError, "needs pyarrow: pip install pyarrow"):
            list(read_rows(str(self.tmp / "in.parquet"), 0, 1))


class RowGroupPruningTest(unittest.TestCase):
    def test_keeps_groups_whose_index_range_meets_the_chunk(self):
        ranges = [(0, 99), (100, 199), (200, 299), None, (300, 399)]
        self.assertEqual(overlapping_row_groups(ranges, 150, 250), [1, 2, 3])
        self.assertEqual(overlapping_row_groups(ranges, 99, 100), [0, 1, 3])
        self.assertEqual(overlapping_row_groups(ranges, 500, 600), [3])

    def test_unsorted_groups_are_judged_by_their_own_bounds(self):
        self.assertEqual(overlapping_row_groups([(50, 60), (0, 1000), (10, 20)], 15, 15), [1, 2])


@requires_pyarrow
class RealParquetReadTest(TempDirTestCase):
    def write_parquet(self, path: Path, indices, row_group_size):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"index": list(indices), "prompt": [f"p{i}" for i in indices], "vec": [[float(i)] for i in indices]})
        pq.write_table(table, str(path), row_group_size=row_group_size)

    def test_reads_the_range_and_skips_row_groups_outside_it(self):
        path = self.tmp / "in.parquet"
        self.write_parquet(path, range(1000), row_group_size=100)
        chosen = []

        def record_choice(*args):
            chosen.append(overlapping_row_groups(*args))
            return chosen[-1]

        with mock.patch.object(row_reader, "overlapping_row_groups", side_effect=record_choice):
            rows = list(read_rows(str(path), 250, 260))
        self.assertEqual([row["index"] for row in rows], list(range(250, 261)))
        self.assertEqual(rows[0], {"index": 250, "prompt": "p250", "vec": [250.0]})
        self.assertEqual(chosen, [[2]])

    def test_a_range_in_no_row_group_reads_nothing(self):
        path = self.tmp / "in.parquet"
        self.write_parquet(path, range(100), row_group_size=10)
        self.assertEqual(list(read_rows(str(path), 500, 600)), [])

    def test_missing_index_column_is_named(self):
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"idx": [1]}), str(self.tmp / "in.parquet"))
        with self.assertRaisesRegex(ValueError, "has no column 'index'"):
            list(read_rows(str(self.tmp / "in.parquet"), 0, 1))

    def test_a_folder_mixing_parquet_and_jsonl(self):
        (self.tmp / "in").mkdir()
        self.write_parquet(self.tmp / "in" / "dataset_a.parquet", range(0, 10), row_group_size=4)
        write_jsonl(self.tmp / "in" / "dataset_b.jsonl", range(10, 20))
        self.assertEqual([row["index"] for row in read_rows(str(self.tmp / "in"), 8, 11)], [8, 9, 10, 11])

    def test_reads_what_write_rows_wrote(self):
        path = write_rows([{"index": i, "v": [i, None]} for i in range(10)], "out", "sae")
        self.assertTrue(path.endswith(".parquet"))
        self.assertEqual(list(read_rows(path, 3, 4)), [{"index": 3, "v": [3, None]}, {"index": 4, "v": [4, None]}])


if __name__ == "__main__":
    unittest.main()
