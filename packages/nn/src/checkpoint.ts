/**
 * Checkpoints in files: a model's state dict (and optionally an optimizer's state and run
 * metadata) as safetensors (safetensors.ts), or, for a path ending in `.json`, in this
 * project's earlier JSON format (tensors as base64 of their float64 bytes, with a SHA-256 of
 * the payload); `load` reads both. The file is
 * written to a temporary name, flushed and renamed over the target, so a crash mid-write
 * leaves the previous checkpoint intact. Loading checks everything before it returns, and
 * `loadStateDict` checks keys and shapes before it writes, so a bad file never half-loads.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { Tensor } from '@ad/core';
import { CheckpointError, type Checkpoint } from './checkpoint-types.js';
import type { Module, StateDict } from './module.js';
import type { Optimizer, OptimizerState } from './optim.js';
import { fromSafetensors, toSafetensors, type SaveDtype } from './safetensors.js';

export { CheckpointError, type Checkpoint };

const FORMAT = '@ad/nn checkpoint';
const VERSION = 2;

interface StoredTensor {
  shape: number[];
  data: string;
}

/** An optimizer state with its per-parameter buffers stored like tensors (exact, compact). */
type StoredOptimizer = Omit<OptimizerState, 'buffers'> & { buffers: Record<string, StoredTensor>[] };

interface Payload {
  model: Record<string, StoredTensor>;
  optimizer: StoredOptimizer | null;
  meta: Record<string, unknown>;
}

function encodeOptimizer(state: OptimizerState): StoredOptimizer {
  return {
    ...state,
    buffers: state.buffers.map((b) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, encode(Tensor.fromData(Float64Array.from(v), [v.length]))])),
    ),
  };
}

function decodeOptimizer(stored: StoredOptimizer, path: string): OptimizerState {
  if (!Array.isArray(stored.buffers)) throw new CheckpointError('load', `${path}: the optimizer state has no buffers`);
  return {
    ...stored,
    buffers: stored.buffers.map((b, i) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Array.from(decode(`optimizer buffer ${i}.${k}`, v, path).toFloat64Array())])),
    ),
  };
}

function encode(t: Tensor): StoredTensor {
  const data = t.toFloat64Array();
  const bytes = Buffer.alloc(data.length * 8);
  for (let i = 0; i < data.length; i++) bytes.writeDoubleLE(data[i], i * 8);
  return { shape: [...t.shape], data: bytes.toString('base64') };
}

function decode(key: string, s: StoredTensor, path: string): Tensor {
  if (!Array.isArray(s?.shape) || typeof s.data !== 'string') throw new CheckpointError('load', `${path}: entry ${key} is not a stored tensor`);
  const bytes = Buffer.from(s.data, 'base64');
  const n = s.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * 8) {
    throw new CheckpointError('load', `${path}: ${key} holds ${bytes.length / 8} values, its shape [${s.shape.join(',')}] needs ${n}`);
  }
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = bytes.readDoubleLE(i * 8);
  return Tensor.fromData(data, s.shape);
}

function digest(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Saves a model's state dict (and an optimizer's state, run metadata) atomically to `path`:
 * safetensors (float64, or float32 with `dtype: 'F32'`), or the earlier JSON format when the
 * path ends in `.json`.
 */
export function save(model: Module, path: string, options: { optimizer?: Optimizer; meta?: Record<string, unknown>; dtype?: SaveDtype } = {}): void {
  if (path.endsWith('.json')) {
    const payload: Payload = {
      model: Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, encode(t)])),
      optimizer: options.optimizer === undefined ? null : encodeOptimizer(options.optimizer.stateDict()),
      meta: options.meta ?? {},
    };
    const body = JSON.stringify(payload);
    const text = JSON.stringify({ format: FORMAT, version: VERSION, sha256: digest(body), payload: body });
    writeAtomic(path, Buffer.from(text, 'utf8'));
  } else {
    writeAtomic(path, toSafetensors(model, options));
  }
}

/** Writes to a temporary file, flushes it, renames it over `path` and flushes the directory. */
function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
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

/** The first bytes of a checkpoint in the earlier JSON format. */
const JSON_MAGIC = '{"format"';

/**
 * Reads and verifies a checkpoint: the earlier JSON format for a path ending in `.json` or a
 * file that starts as one, safetensors otherwise. Throws a CheckpointError that names the problem.
 */
export function load(path: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError('load', `cannot read ${path}: ${(e as Error).message}`);
  }
  if (!path.endsWith('.json') && bytes.subarray(0, JSON_MAGIC.length).toString('latin1') !== JSON_MAGIC) {
    return fromSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  }
  const text = bytes.toString('utf8');
  let outer: { format?: unknown; version?: unknown; sha256?: unknown; payload?: unknown };
  try {
    outer = JSON.parse(text);
  } catch {
    throw new CheckpointError('load', `${path} is not a complete checkpoint (truncated or not JSON, ${text.length} bytes)`);
  }
  if (outer?.format !== FORMAT) throw new CheckpointError('load', `${path} is not an @ad/nn checkpoint`);
  if (outer.version !== VERSION) throw new CheckpointError('load', `${path} has format version ${String(outer.version)}, this build reads ${VERSION}`);
  if (typeof outer.payload !== 'string' || outer.sha256 !== digest(outer.payload)) {
    throw new CheckpointError('load', `${path} is corrupted: its checksum does not match its contents`);
  }
  const payload = JSON.parse(outer.payload) as Payload;
  const model: StateDict = {};
  for (const [k, s] of Object.entries(payload.model ?? {})) model[k] = decode(k, s, path);
  const optimizer = payload.optimizer === null || payload.optimizer === undefined ? null : decodeOptimizer(payload.optimizer, path);
  return { model, optimizer, meta: payload.meta ?? {} };
}

/** Loads a checkpoint into a model (and optimizer); nothing is changed if any check fails. */
export function restore(path: string, model: Module, optimizer?: Optimizer): Checkpoint {
  const ckpt = load(path);
  const before = model.stateDict();
  model.loadStateDict(ckpt.model);
  if (optimizer !== undefined) {
    if (ckpt.optimizer === null) {
      model.loadStateDict(before);
      throw new CheckpointError('restore', `${path} holds no optimizer state`);
    }
    try {
      optimizer.loadStateDict(ckpt.optimizer);
    } catch (e) {
      model.loadStateDict(before);
      throw e;
    }
  }
  return ckpt;
}
