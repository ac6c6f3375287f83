import signal
import subprocess
import sys
import time
import unittest

from tests.helpers import EXAMPLES_DIR, PYTHON_DIR, TempDirTestCase, chunk_vars, clean_env, dataset_files, read_jsonl, run_example


class ExampleKnobsTestCase(TempDirTestCase):
    def run_phase(self, start, end, attempt=None, script="phase1.py", **knobs):
        env = {"PHASE1_OUTPUT_DIR": str(self.tmp / "out"), "PHASE3_5_OUTPUT_DIR": str(self.tmp / "out")}
        if attempt is not None:
            env.update(chunk_vars(start, end, str(self.tmp / "out"), attempt=attempt))
        env.update(knobs)
        return run_example(script, ["--start", str(start), "--end", str(end)], self.tmp, env)


class FailIndexTest(ExampleKnobsTestCase):
    def test_fails_with_exit_3_when_the_index_is_in_range(self):
        for script in ("phase1.py", "phase3_5.py"):
            with self.subTest(script=script):
                result = self.run_phase(0, 9, script=script, CHUNKRUN_EXAMPLE_FAIL_INDEX="3")
                self.assertEqual(result.returncode, 3)
                self.assertIn("simulated failure at index 3 (CHUNKRUN_EXAMPLE_FAIL_INDEX=3)", result.stderr)
                self.assertEqual(dataset_files(self.tmp / "out"), [])

    def test_other_ranges_succeed(self):
        result = self.run_phase(5, 9, CHUNKRUN_EXAMPLE_FAIL_INDEX="3")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_progress_shows_the_items_before_the_failure(self):
        progress = self.tmp / "progress.jsonl"
        result = self.run_phase(0, 9, CHUNKRUN_EXAMPLE_FAIL_INDEX="6", CHUNKRUN_PROGRESS_FILE=str(progress))
        self.assertEqual(result.returncode, 3)
        self.assertEqual(read_jsonl(progress)[-1], {"done": 6, "total": 10})

    def test_with_fail_attempts_only_early_attempts_fail_at_the_index(self):
        knobs = {"CHUNKRUN_EXAMPLE_FAIL_INDEX": "3", "CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS": "1"}
        self.assertEqual(self.run_phase(0, 9, attempt=1, **knobs).returncode, 3)
        self.assertEqual(self.run_phase(0, 9, attempt=2, **knobs).returncode, 0)


class FailAttemptsTest(ExampleKnobsTestCase):
    def test_fails_while_the_attempt_is_at_most_n(self):
        codes = [self.run_phase(0, 2, attempt=a, CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS="2").returncode for a in (1, 2, 3)]
        self.assertEqual(codes, [3, 3, 0])

    def test_message_names_the_attempt(self):
        result = self.run_phase(0, 2, attempt=1, CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS="1")
        self.assertIn("simulated failure on attempt 1 (CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS=1)", result.stderr)

    def test_without_chunk_attempt_it_counts_as_the_first(self):
        self.assertEqual(self.run_phase(0, 2, CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS="1").returncode, 3)

    def test_a_bad_knob_value_is_exit_2(self):
        result = self.run_phase(0, 2, CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS="two")
        self.assertEqual(result.returncode, 2)
        self.assertIn("CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS=two is not an integer", result.stderr)


class HangIndexTest(ExampleKnobsTestCase):
    def test_hangs_at_the_index_until_killed(self):
        env = clean_env(PYTHONPATH=str(PYTHON_DIR), CHUNKRUN_EXAMPLE_DELAY="0", PYTHONDONTWRITEBYTECODE="1",
                        CHUNKRUN_EXAMPLE_HANG_INDEX="2", PHASE1_OUTPUT_DIR=str(self.tmp / "out"))
        process = subprocess.Popen([sys.executable, str(EXAMPLES_DIR / "phase1.py"), "--start", "0", "--end", "9"],
                                   cwd=self.tmp, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.addCleanup(process.stderr.close)
        try:
            self.assertIn("hanging at index 2", process.stderr.readline())
            time.sleep(0.3)
            self.assertIsNone(process.poll())
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
        self.assertEqual(dataset_files(self.tmp / "out"), [])


class RecordTest(ExampleKnobsTestCase):
    def test_appends_one_line_per_invocation(self):
        record = self.tmp / "record.jsonl"
        first = self.run_phase(0, 4, attempt=2, CHUNKRUN_EXAMPLE_RECORD=str(record), CHUNK_DEVICE="gpu1", CUDA_VISIBLE_DEVICES="1")
        second = self.run_phase(5, 9, script="phase3_5.py", CHUNKRUN_EXAMPLE_RECORD=str(record))
        self.assertEqual((first.returncode, second.returncode), (0, 0))
        lines = read_jsonl(record)
        self.assertEqual(len(lines), 2)
        self.assertEqual({k: v for k, v in lines[0].items() if k != "pid"},
                         {"phase": "1", "start": 0, "end": 4, "device": "gpu1", "attempt": 2, "cuda_visible_devices": "1"})
        self.assertEqual({k: v for k, v in lines[1].items() if k != "pid"},
                         {"phase": "3.5", "start": 5, "end": 9, "device": None, "attempt": None, "cuda_visible_devices": None})
        self.assertNotEqual(lines[0]["pid"], lines[1]["pid"])

    def test_a_failing_invocation_is_recorded_too(self):
        record = self.tmp / "record.jsonl"
        result = self.run_phase(0, 4, attempt=1, CHUNKRUN_EXAMPLE_RECORD=str(record), CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS="1")
        self.assertEqual(result.returncode, 3)
        self.assertEqual(len(read_jsonl(record)), 1)

    def test_concurrent_phases_never_interleave_lines(self):
        record = self.tmp / "record.jsonl"
        env = clean_env(PYTHONPATH=str(PYTHON_DIR), CHUNKRUN_EXAMPLE_DELAY="0", PYTHONDONTWRITEBYTECODE="1",
                        CHUNKRUN_EXAMPLE_RECORD=str(record))
        processes = [
            subprocess.Popen([sys.executable, str(EXAMPLES_DIR / "phase1.py"), "--start", str(i), "--end", str(i)],
                             cwd=self.tmp, env={**env, "PHASE1_OUTPUT_DIR": str(self.tmp / f"out{i}")},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i in range(8)
        ]
        self.assertEqual([p.wait(timeout=60) for p in processes], [0] * 8)
        self.assertEqual(sorted(line["start"] for line in read_jsonl(record)), list(range(8)))


class DelayTest(ExampleKnobsTestCase):
    def test_delay_comes_from_the_env_and_the_argument_overrides_it(self):
        began = time.monotonic()
        result = self.run_phase(0, 9, CHUNKRUN_EXAMPLE_DELAY="0.05")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertGreaterEqual(time.monotonic() - began, 0.5)
        began = time.monotonic()
        result = run_example("phase1.py", ["--start", "0", "--end", "9", "--delay", "0"], self.tmp,
                             {"CHUNKRUN_EXAMPLE_DELAY": "5", "PHASE1_OUTPUT_DIR": str(self.tmp / "out")})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLess(time.monotonic() - began, 5)


if __name__ == "__main__":
    unittest.main()
