import contextlib
import io
import unittest

from chunkrun import PhaseArgumentParser, parse_phase_args


class PhaseArgsTest(unittest.TestCase):
    def error_of(self, argv):
        """(exit code, stderr) of a parse that must fail."""
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit) as exit_info:
            parse_phase_args(argv)
        return exit_info.exception.code, stderr.getvalue()

    def test_parses_start_end_model(self):
        args = parse_phase_args(["--start", "0", "--end", "49", "--model", "google/gemma-2-2b"])
        self.assertEqual((args.start, args.end, args.model), (0, 49, "google/gemma-2-2b"))

    def test_model_is_optional_and_one_item_is_a_range(self):
        args = parse_phase_args(["--start=7", "--end=7"])
        self.assertEqual((args.start, args.end, args.model), (7, 7, None))

    def test_reversed_range_is_one_line_exit_2(self):
        code, stderr = self.error_of(["--start", "20", "--end", "10"])
        self.assertEqual(code, 2)
        self.assertEqual(stderr.count("\n"), 1)
        self.assertIn("--end 10 is before --start 20", stderr)

    def test_non_integer_and_negative(self):
        self.assertIn("--start abc is not an integer", self.error_of(["--start", "abc", "--end", "3"])[1])
        self.assertIn("--end 1.5 is not an integer", self.error_of(["--start", "0", "--end", "1.5"])[1])
        self.assertIn("--start -1 is negative", self.error_of(["--start", "-1", "--end", "3"])[1])

    def test_missing_and_unknown_arguments_are_one_line_too(self):
        code, stderr = self.error_of(["--end", "3"])
        self.assertEqual((code, stderr.count("\n")), (2, 1))
        self.assertIn("--start", stderr)
        code, stderr = self.error_of(["--start", "0", "--end", "3", "--bogus"])
        self.assertEqual((code, stderr.count("\n")), (2, 1))
        self.assertIn("--bogus", stderr)

    def test_a_phase_adds_its_own_arguments(self):
        parser = PhaseArgumentParser(prog="phase9.py")
        parser.add_argument("--batch-size", type=int, default=8)
        args = parser.parse_args(["--start", "0", "--end", "1", "--batch-size", "32"])
        self.assertEqual((args.start, args.end, args.batch_size), (0, 1, 32))


if __name__ == "__main__":
    unittest.main()
