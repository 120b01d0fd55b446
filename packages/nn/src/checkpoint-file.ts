/**
 * Checkpoints on disk (Node only, exported from `@ad/nn/node`): the bytes of `saveBytes`,
 * written to a temporary name, flushed and renamed over the target, so a crash mid-write leaves
 * the previous checkpoint intact.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pid } from 'node:process';
import { CheckpointError, loadBytes, restoreCheckpoint, saveBytes, type Checkpoint, type SaveOptions } from './checkpoint.js';
import type { Module } from './module.js';
import type { Optimizer } from './optim.js';

/** Saves a model's parameters (and an optimizer's state) atomically to `path`. */
export function save(model: Module, path: string, options: SaveOptions = {}): void {
  const bytes = saveBytes(model, options);
  const tmp = `${path}.tmp-${pid}-${Date.now()}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new CheckpointError('save', `cannot write ${path}: ${(e as Error).message}`);
  }
  try {
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  // The rename itself must reach the disk too, or a power cut could bring back the old name.
  const dir = openSync(dirname(resolve(path)), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Reads and verifies a checkpoint file. Throws a CheckpointError that names the problem. */
export function load(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError('load', `cannot read ${path}: ${(e as Error).message}`);
  }
  return loadBytes(bytes, path);
}

/** Loads a checkpoint file into a model (and optimizer); nothing is changed if any check fails. */
export function restore(path: string, model: Module, optimizer?: Optimizer): Checkpoint {
  return restoreCheckpoint(load(path), model, optimizer, path);
}
