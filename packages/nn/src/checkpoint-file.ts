/**
 * Checkpoints on disk (Node only, exported from `@ad/nn/node`): the bytes of `saveBytes` —
 * safetensors, or the earlier JSON format for a path ending in `.json` — written to a
 * temporary file in the same directory, flushed, and renamed over the target, so a crash
 * mid-write leaves the previous checkpoint intact.
 *
 * Temporary names are `<path>.tmp-<pid>-<random>`: unique between processes and between worker
 * threads of one process (a time stamp is not: concurrent saves collided). Every failure
 * removes its temporary file, and every save removes the ones that writers killed mid-write
 * left beside the same path. A temporary file is in flight exactly while its writer holds it
 * open: the writer renames it before closing it, so its name never exists unopened. A killed
 * process, or a worker thread ended by `terminate()` (Node closes the descriptors a worker
 * opened), holds nothing, so where /proc shows a process's descriptors (Linux) a temporary file
 * that no descriptor of its writer's process refers to is stale, even when that process is this
 * one or its id was reused. Elsewhere a file is stale when its writer's process is gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pid } from 'node:process';
import { DTypeError } from '@ad/core';
import { CheckpointError, checkRestore, checkSave, checkpointToBytes, readBytes, restoreCheckpoint, type Checkpoint, type SaveOptions } from './checkpoint.js';
import type { Module } from './module.js';
import type { Optimizer } from './optim.js';
import { useSha256 } from './safetensors.js';

// The checksum of every checkpoint, saved or loaded, by node:crypto: the same SHA-256, faster than the portable one.
useSha256((parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
});

function checkPath(op: string, path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new DTypeError(op, `path must be a non-empty string, got ${path === null ? 'null' : typeof path === 'string' ? 'an empty string' : typeof path}`);
  }
  return path;
}

/** A system error as a sentence: its code (ENOSPC, EACCES, …) and what it means. */
function reason(e: unknown, reading = false): string {
  const err = e as NodeJS.ErrnoException;
  const hint: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EACCES: 'permission denied',
    EROFS: 'a read-only file system',
    ENOENT: reading ? 'no such file' : 'the directory does not exist',
    EISDIR: 'it is a directory',
    EDQUOT: 'the disk quota is used up',
  };
  return err.code !== undefined && hint[err.code] !== undefined ? `${hint[err.code]} (${err.code})` : (err.message ?? String(e));
}

/**
 * Saves a model's parameters (and an optimizer's state, run metadata) atomically to `path`:
 * safetensors, or the earlier JSON format when the path ends in `.json` (or `format: 'json'`).
 */
export function save(model: Module, path: string, options: SaveOptions = {}): void {
  checkPath('save', path);
  checkSave('save', model, options);
  const bytes = checkpointToBytes('save', model, { ...options, format: options.format ?? (path.endsWith('.json') ? 'json' : 'safetensors') });
  removeStaleTemporaries(path);
  const tmp = `${path}.tmp-${pid}-${randomBytes(6).toString('hex')}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx');
  } catch (e) {
    throw new CheckpointError('save', `cannot write ${path}: ${reason(e)}`);
  }
  try {
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
      // Renamed while still open, so no save in another thread can find the name unopened and take it for stale.
      renameSync(tmp, path);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    removeQuietly(tmp);
    throw new CheckpointError('save', `cannot write ${path}: ${reason(e)}; the previous checkpoint, if any, is unchanged`);
  }
  // The rename itself must reach the disk too, or a power cut could bring back the old name.
  try {
    const dir = openSync(dirname(resolve(path)), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (e) {
    throw new CheckpointError('save', `wrote ${path} but could not flush its directory: ${reason(e)}`);
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or never made: nothing to clean.
  }
}

/** Removes the `<path>.tmp-<pid>-…` files no writer has open any more (killed processes, terminated worker threads). */
function removeStaleTemporaries(path: string): void {
  let dir: string;
  let names: string[];
  try {
    dir = realpathSync(dirname(resolve(path)));
    names = readdirSync(dir);
  } catch {
    return; // the directory is missing: the save reports that
  }
  const prefix = `${basename(path)}.tmp-`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const writer = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isSafeInteger(writer) || writer <= 0) continue;
    const file = join(dir, name);
    if (!inFlight(writer, file)) removeQuietly(file);
  }
}

/**
 * Whether process `writer` holds `file` open. Read from /proc/<pid>/fd where it can be; where it
 * cannot (another system, another user's process), a live process is assumed to be writing and
 * this one, whose own saves are synchronous, is assumed to be writing in another thread.
 */
function inFlight(writer: number, file: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${writer}/fd`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No /proc entry on a system with /proc: the process is gone.
    if (code === 'ENOENT' && hasProc()) return false;
    return writer === pid || alive(writer);
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${writer}/fd/${fd}`) === file) return true;
    } catch {
      // Closed while listed: not this file's writer any more.
    }
  }
  return false;
}

function hasProc(): boolean {
  try {
    readdirSync(`/proc/${pid}/fd`);
    return true;
  } catch {
    return false;
  }
}

function alive(processId: number): boolean {
  try {
    process.kill(processId, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads and verifies a checkpoint file (either format). Throws a CheckpointError that names the problem. */
export function load(path: string): Checkpoint {
  return readFile('load', path);
}

function readFile(op: string, path: string): Checkpoint {
  checkPath(op, path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(op, `cannot read ${path}: ${reason(e, true)}`);
  }
  return readBytes(op, bytes, path, path.endsWith('.json') ? 'json' : undefined);
}

/** Loads a checkpoint file into a model (and optimizer); nothing is changed if any check fails. */
export function restore(path: string, model: Module, optimizer?: Optimizer): Checkpoint {
  checkPath('restore', path);
  checkRestore('restore', model, optimizer);
  return restoreCheckpoint('restore', readFile('restore', path), model, optimizer, path);
}
