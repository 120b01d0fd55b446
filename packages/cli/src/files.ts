/**
 * Writing results without ever leaving half a file: each file is written to a temporary name
 * beside its target and renamed over it, so a crash (or a refused input) leaves the old file as
 * it was. Output paths are checked before any work starts, so a typo in a directory fails fast.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** Refuses an output path whose directory does not exist or that names a directory. */
export function checkOutputPath(flag: string, path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a directory, not a file`);
}

/** Writes text to path atomically (temporary file, flush, rename); on failure the temporary file is removed. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w');
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
}
