import json
import os
import tempfile
import unittest
from unittest import mock

from chunkrun import mark_empty


class MarkEmptyTest(unittest.TestCase):
    def test_writes_the_declaration_into_the_current_chunk(self):
        with tempfile.TemporaryDirectory() as chunk_dir:
            env = {"CHUNK_START": "0", "CHUNK_END": "9", "CHUNK_DIR": chunk_dir}
            with mock.patch.dict(os.environ, env):
                path = mark_empty("nothing in range")
            self.assertEqual(path, os.path.join(chunk_dir, "_EMPTY"))
            with open(path, encoding="utf-8") as declared:
                self.assertEqual(json.load(declared), {"reason": "nothing in range"})

    def test_refuses_outside_a_chunk(self):
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaisesRegex(RuntimeError, "outside a chunk"):
                mark_empty()


if __name__ == "__main__":
    unittest.main()
