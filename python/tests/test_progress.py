import contextlib
import io
import json
import os
import unittest
from pathlib import Path

import chunkrun.progress_reporting as progress_reporting
from chunkrun import ProgressReporter, items, progress

from tests.helpers import TempDirTestCase


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def progress_lines(path: Path):
    return [json.loads(line) for line in path.read_text().splitlines()]


class ProgressReporterTest(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.file = self.tmp / "progress.jsonl"
        self.clock = FakeClock()
        self.reporter = ProgressReporter(str(self.file), min_interval_s=0.25, clock=self.clock)

    def test_line_format(self):
        self.reporter.report(0, 50)
        self.assertEqual(self.file.read_text(), '{"done": 0, "total": 50}\n')

    def test_unknown_total_is_null(self):
        self.reporter.report(3)
        self.assertEqual(progress_lines(self.file), [{"done": 3, "total": None}])

    def test_fast_reports_are_throttled(self):
        for done in range(10):
            self.reporter.report(done, 100)
            self.clock.now += 0.01
        self.assertEqual(progress_lines(self.file), [{"done": 0, "total": 100}])
        self.clock.now += 0.25
        self.reporter.report(10, 100)
        self.assertEqual([line["done"] for line in progress_lines(self.file)], [0, 10])

    def test_at_most_a_few_writes_a_second(self):
        for done in range(1000):
            self.reporter.report(done, 10_000)
            self.clock.now += 0.002
        self.assertLessEqual(len(progress_lines(self.file)), 2 * 4 + 1)

    def test_the_final_report_is_always_written(self):
        self.reporter.report(0, 3)
        self.reporter.report(1, 3)
        self.reporter.report(2, 3)
        self.reporter.report(3, 3)
        self.assertEqual([line["done"] for line in progress_lines(self.file)], [0, 3])

    def test_flush_writes_a_throttled_report(self):
        self.reporter.report(0)
        self.reporter.report(7)
        self.reporter.flush()
        self.reporter.flush()
        self.assertEqual([line["done"] for line in progress_lines(self.file)], [0, 7])

    def test_appends_to_what_is_there(self):
        self.file.write_text('{"done": 5, "total": 5}\n')
        self.reporter.report(0, 5)
        self.assertEqual(len(progress_lines(self.file)), 2)

    def test_an_unwritable_file_warns_once_and_does_not_fail_the_phase(self):
        reporter = ProgressReporter(str(self.tmp / "missing" / "progress.jsonl"), clock=self.clock)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            reporter.report(0, 2)
            reporter.report(2, 2)
        self.assertEqual(stderr.getvalue().count("cannot write progress"), 1)


class ProgressFunctionTest(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.addCleanup(setattr, progress_reporting, "_reporter", None)
        progress_reporting._reporter = None
        self.file = self.tmp / "progress.jsonl"

    def test_no_op_without_the_env_var(self):
        progress(1, 2)
        for _ in items(0, 3):
            pass
        self.assertEqual(os.listdir(self.tmp), [])

    def test_writes_to_the_file_the_runner_names(self):
        os.environ["CHUNKRUN_PROGRESS_FILE"] = str(self.file)
        progress(0, 2)
        progress(2, 2)
        self.assertEqual(progress_lines(self.file), [{"done": 0, "total": 2}, {"done": 2, "total": 2}])

    def test_items_yields_the_inclusive_range_and_reports_start_and_end(self):
        os.environ["CHUNKRUN_PROGRESS_FILE"] = str(self.file)
        self.assertEqual(list(items(50, 99)), list(range(50, 100)))
        lines = progress_lines(self.file)
        self.assertEqual(lines[0], {"done": 0, "total": 50})
        self.assertEqual(lines[-1], {"done": 50, "total": 50})
        self.assertEqual([line["done"] for line in lines], sorted(line["done"] for line in lines))

    def test_items_counts_an_item_once_its_loop_body_is_done(self):
        os.environ["CHUNKRUN_PROGRESS_FILE"] = str(self.file)
        progress_reporting._reporter = ProgressReporter(str(self.file), min_interval_s=0.0)
        seen = []
        for _ in items(10, 12):
            seen.append(progress_lines(self.file)[-1]["done"])
        self.assertEqual(seen, [0, 1, 2])
        self.assertEqual(progress_lines(self.file)[-1], {"done": 3, "total": 3})

    def test_items_stopped_early_does_not_claim_the_end(self):
        os.environ["CHUNKRUN_PROGRESS_FILE"] = str(self.file)
        for index in items(0, 9):
            if index == 4:
                break
        self.assertNotIn({"done": 10, "total": 10}, progress_lines(self.file))

    def test_items_rejects_a_reversed_range(self):
        with self.assertRaisesRegex(ValueError, "end 3 is before start 5"):
            items(5, 3)


if __name__ == "__main__":
    unittest.main()
