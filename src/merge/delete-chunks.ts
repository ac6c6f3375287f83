/**
 * --delete-chunks: after a merged file is written, fsynced and verified, the chunks' data files
 * go. Their _SUCCESS markers and logs stay, so a resumed run still knows the chunks are done,
 * and a later merge takes their rows from the merged file (which records its chunks).
 */
import { unlinkSync } from 'node:fs';
import { DataError, errorMessage } from '../core/errors.js';
import type { ChunkDirEntry } from '../core/scan.js';
import { chunkDataFiles } from './chunk-files.js';

export function deleteChunkData(chunks: readonly ChunkDirEntry[]): number {
  let deleted = 0;
  for (const chunk of chunks) {
    for (const { file } of chunkDataFiles(chunk)) {
      try {
        unlinkSync(file);
        deleted++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new DataError(`cannot delete ${file}: ${errorMessage(error)}`);
      }
    }
  }
  return deleted;
}
