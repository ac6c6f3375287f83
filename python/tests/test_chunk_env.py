import os
import unittest

from chunkrun import Chunk, current_chunk, output_dir

from tests.helpers import TempDirTestCase, chunk_vars


class CurrentChunkTest(unittest.TestCase):
    def test_reads_every_chunk_variable(self):
        env = chunk_vars(50, 99, "/out/chunks/gpu1/chunk_00050-00099", device="gpu1", attempt=2)
        self.assertEqual(current_chunk(env), Chunk(50, 99, "/out/chunks/gpu1/chunk_00050-00099", "gpu1", 2))
        self.assertEqual(current_chunk(env).size, 50)

    def test_is_none_outside_checkpoint_mode(self):
        self.assertIsNone(current_chunk({"CUDA_VISIBLE_DEVICES": "0"}))

    def test_device_and_attempt_are_optional(self):
        chunk = current_chunk({"CHUNK_START": "0", "CHUNK_END": "9", "CHUNK_DIR": "d"})
        self.assertEqual((chunk.device, chunk.attempt), (None, 1))

    def test_partial_range_names_what_is_missing(self):
        with self.assertRaisesRegex(ValueError, "CHUNK_START set but CHUNK_END, CHUNK_DIR missing"):
            current_chunk({"CHUNK_START": "0"})

    def test_bad_numbers_name_the_variable(self):
        env = chunk_vars(0, 9, "d")
        with self.assertRaisesRegex(ValueError, r"CHUNK_END='nine' is not an integer"):
            current_chunk({**env, "CHUNK_END": "nine"})
        with self.assertRaisesRegex(ValueError, "CHUNK_END=3 is before CHUNK_START=5"):
            current_chunk({**env, "CHUNK_START": "5", "CHUNK_END": "3"})
        with self.assertRaisesRegex(ValueError, "CHUNK_ATTEMPT=0 is below 1"):
            current_chunk({**env, "CHUNK_ATTEMPT": "0"})

    def test_reads_the_process_environment_by_default(self):
        from unittest import mock
        with mock.patch.dict(os.environ, chunk_vars(7, 8, "x", "cpu1", 3)):
            self.assertEqual(current_chunk(), Chunk(7, 8, "x", "cpu1", 3))


class OutputDirTest(TempDirTestCase):
    def test_env_var_wins_and_is_created(self):
        os.environ["PHASE1_OUTPUT_DIR"] = str(self.tmp / "chunks" / "gpu0" / "chunk_00000-00049")
        path = output_dir("PHASE1_OUTPUT_DIR", "data/phase1_0")
        self.assertEqual(path, os.environ["PHASE1_OUTPUT_DIR"])
        self.assertTrue(os.path.isdir(path))
        self.assertFalse((self.tmp / "data").exists())

    def test_falls_back_to_the_default_relative_to_the_working_dir(self):
        path = output_dir("PHASE1_OUTPUT_DIR", "data/phase1_0")
        self.assertEqual(path, "data/phase1_0")
        self.assertTrue((self.tmp / "data" / "phase1_0").is_dir())

    def test_empty_env_var_counts_as_unset(self):
        os.environ["PHASE1_OUTPUT_DIR"] = ""
        self.assertEqual(output_dir("PHASE1_OUTPUT_DIR", "data/phase1_0"), "data/phase1_0")

    def test_existing_dir_is_fine(self):
        (self.tmp / "data" / "phase1_0").mkdir(parents=True)
        self.assertEqual(output_dir("PHASE1_OUTPUT_DIR", "data/phase1_0"), "data/phase1_0")


if __name__ == "__main__":
    unittest.main()
