/**
 * Output globs, relative to a chunk dir: `*`, `?`, `**`, `[abc]`, braces (`dataset_*.{parquet,jsonl}`).
 * picomatch does the matching: a kept library, not a hand-rolled subset. Dot-files (an
 * atomic writer's hidden temp file) never match a wildcard. Pure.
 */
import picomatch from 'picomatch';

export function globToRegExp(pattern: string): RegExp {
  return picomatch.makeRe(pattern);
}
