import json
import os
import unittest
from pathlib import Path

from chunkrun import read_rows

from tests.helpers import HAS_PYARROW, TempDirTestCase, chunk_vars, dataset_files, read_jsonl, requires_pyarrow, run_example

PHASES = {
    # script, output-dir variable, default output dir, dataset name
    "1": ("phase1.py", "PHASE1_OUTPUT_DIR", "data/phase1_0", "sae"),
    "3.5": ("phase3_5.py", "PHASE3_5_OUTPUT_DIR", "data/phase3_5", "scores"),
}


class ExamplePhaseTestCase(TempDirTestCase):
    def run_chunk(self, phase, start, end, chunk_dir, extra_args=(), **extra_env):
        script, dir_var, _, _ = PHASES[phase]
        env = {dir_var: str(chunk_dir), **chunk_vars(start, end, str(chunk_dir)), **extra_env}
        result = run_example(script, ["--start", str(start), "--end", str(end), "--model", "m", *extra_args], self.tmp, env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def rows_of(self, directory, start, end):
        return sorted(read_rows(str(directory), start, end), key=lambda row: (row["index"], row.get("temperature", 0)))


class DeterminismTest(ExamplePhaseTestCase):
    def assert_same_rows_however_chunked(self, phase, extra_args=()):
        self.run_chunk(phase, 0, 9, self.tmp / "whole", extra_args)
        self.run_chunk(phase, 0, 4, self.tmp / "split", extra_args)
        self.run_chunk(phase, 5, 9, self.tmp / "split", extra_args)
        self.assertEqual(len(dataset_files(self.tmp / "split")), 2)
        whole, split = self.rows_of(self.tmp / "whole", 0, 9), self.rows_of(self.tmp / "split", 0, 9)
        self.assertEqual(whole, split)
        return whole

    def test_phase1_rows(self):
        rows = self.assert_same_rows_however_chunked("1")
        self.assertEqual([row["index"] for row in rows], list(range(10)))
        for row in rows:
            self.assertEqual(set(row), {"index", "problem_id", "prompt", "score", "solved", "note", "embedding"})
            self.assertEqual(row["problem_id"], f"problem_{row['index']:05d}")
            self.assertTrue(100 <= len(row["prompt"]) <= 230, len(row["prompt"]))
            self.assertIsInstance(row["score"], float)
            self.assertIsInstance(row["solved"], bool)
            self.assertEqual(len(row["embedding"]), 8)
        self.assertIn(None, [row["note"] for row in rows])
        self.assertTrue(any(isinstance(row["note"], str) for row in rows))

    def test_phase3_5_rows_without_input(self):
        rows = self.assert_same_rows_however_chunked("3.5")
        self.assertEqual(len(rows), 50)
        self.assertEqual(sorted({row["temperature"] for row in rows}), [0.0, 0.3, 0.7, 1.0, 1.5])
        for row in rows:
            self.assertEqual(set(row), {"index", "temperature", "logprob", "tokens"})

    def test_phase3_5_rows_from_phase1_input(self):
        self.run_chunk("1", 0, 9, self.tmp / "phase1")
        with_input = self.assert_same_rows_however_chunked("3.5", ["--input", str(self.tmp / "phase1")])
        self.run_chunk("3.5", 0, 9, self.tmp / "synthetic")
        self.assertNotEqual(with_input, self.rows_of(self.tmp / "synthetic", 0, 9))
        prompts = {row["index"]: len(row["prompt"]) for row in self.rows_of(self.tmp / "phase1", 0, 9)}
        for row in with_input:
            self.assertGreaterEqual(row["tokens"], prompts[row["index"]] // 4)
            self.assertLessEqual(row["tokens"], prompts[row["index"]] // 4 + 32)

    def test_the_model_changes_the_rows(self):
        first = run_example("phase1.py", ["--start", "0", "--end", "2", "--model", "a"], self.tmp, {"PHASE1_OUTPUT_DIR": "a"})
        second = run_example("phase1.py", ["--start", "0", "--end", "2", "--model", "b"], self.tmp, {"PHASE1_OUTPUT_DIR": "b"})
        self.assertEqual((first.returncode, second.returncode), (0, 0))
        self.assertNotEqual(self.rows_of(self.tmp / "a", 0, 2), self.rows_of(self.tmp / "b", 0, 2))


class PhaseContractTest(ExamplePhaseTestCase):
    def test_checkpoint_mode_writes_into_the_chunk_dir_and_reports_progress(self):
        progress = self.tmp / "progress.jsonl"
        chunk_dir = self.tmp / "out" / "chunks" / "gpu0" / "chunk_00050-00059"
        result = self.run_chunk("1", 50, 59, chunk_dir, CHUNKRUN_PROGRESS_FILE=str(progress))
        (output,) = dataset_files(chunk_dir)
        self.assertRegex(output.name, r"^dataset_sae_00050-00059_.*\.(parquet|jsonl)$")
        self.assertGreater(output.stat().st_size, 0)
        self.assertIn("10 rows for 50-59", result.stdout)
        lines = [json.loads(line) for line in progress.read_text().splitlines()]
        self.assertEqual(lines[0], {"done": 0, "total": 10})
        self.assertEqual(lines[-1], {"done": 10, "total": 10})
        self.assertFalse((self.tmp / "data").exists())

    def test_no_checkpoint_mode_falls_back_to_the_configured_dir(self):
        for phase, (script, _, default_dir, name) in PHASES.items():
            with self.subTest(phase=phase):
                result = run_example(script, ["--start", "0", "--end", "3", "--model", "m"], self.tmp)
                self.assertEqual(result.returncode, 0, result.stderr)
                (output,) = dataset_files(self.tmp / default_dir)
                self.assertTrue(output.name.startswith(f"dataset_{name}_00000-00003_"), output.name)

    def test_bad_range_is_one_line_exit_2(self):
        result = run_example("phase1.py", ["--start", "20", "--end", "10"], self.tmp)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, "phase1.py: error: --end 10 is before --start 20\n")
        self.assertFalse((self.tmp / "data").exists())

    def test_missing_input_rows_name_the_indices(self):
        self.run_chunk("1", 0, 4, self.tmp / "phase1")
        result = run_example("phase3_5.py", ["--start", "3", "--end", "8", "--input", str(self.tmp / "phase1")], self.tmp)
        self.assertEqual(result.returncode, 1)
        self.assertIn("has no row for index 5, 6, 7, 8; run phase 1 over 3-8 first", result.stderr)
        result = run_example("phase3_5.py", ["--start", "0", "--end", "1", "--input", str(self.tmp / "nowhere")], self.tmp)
        self.assertEqual(result.returncode, 1)
        self.assertIn("does not exist", result.stderr)

    @unittest.skipIf(HAS_PYARROW, "checks the JSONL fallback that the phases use without pyarrow")
    def test_without_pyarrow_the_phase_writes_jsonl(self):
        chunk_dir = self.tmp / "chunk"
        self.run_chunk("1", 0, 2, chunk_dir)
        (output,) = dataset_files(chunk_dir)
        self.assertTrue(output.name.endswith(".jsonl"))
        self.assertEqual([row["index"] for row in read_jsonl(output)], [0, 1, 2])


@requires_pyarrow
class PyarrowPhaseTest(ExamplePhaseTestCase):
    def test_with_pyarrow_the_phase_writes_snappy_parquet(self):
        import pyarrow.parquet as pq

        chunk_dir = self.tmp / "chunk"
        self.run_chunk("1", 0, 2, chunk_dir)
        (output,) = dataset_files(chunk_dir)
        self.assertTrue(output.name.endswith(".parquet"))
        parquet_file = pq.ParquetFile(str(output))
        self.assertEqual(parquet_file.metadata.row_group(0).column(0).compression, "SNAPPY")
        self.assertEqual([row["index"] for row in parquet_file.read().to_pylist()], [0, 1, 2])


class WorkerExampleByHandTest(ExamplePhaseTestCase):
    """phase1_worker.py run as a plain command: the same rows as phase1.py, after its load."""

    def test_same_rows_as_phase1(self):
        self.run_chunk("1", 0, 9, self.tmp / "plain")
        result = run_example("phase1_worker.py", ["--start", "0", "--end", "9", "--model", "m", "--load", "0"], self.tmp)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("phase1_worker: loading model m", result.stdout)
        self.assertEqual(self.rows_of(self.tmp / "data" / "phase1_0", 0, 9), self.rows_of(self.tmp / "plain", 0, 9))

    def test_phase3_5_worker_same_rows_as_phase3_5(self):
        self.run_chunk("3.5", 0, 9, self.tmp / "plain")
        result = run_example("phase3_5_worker.py", ["--start", "0", "--end", "9", "--model", "m", "--load", "0"], self.tmp)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.rows_of(self.tmp / "data" / "phase3_5", 0, 9), self.rows_of(self.tmp / "plain", 0, 9))


if __name__ == "__main__":
    unittest.main()
