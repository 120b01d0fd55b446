/**
 * Checkpoints in memory: a model's state dict (and optionally an optimizer's state and run
 * metadata) as bytes, so a page can keep a model in IndexedDB or offer it as a download, and
 * Node's file layer (`@ad/nn/node`: `save`, `load`, `restore`) writes the same bytes to disk.
 *
 * Two formats: safetensors (the default: safetensors.ts, the file PyTorch, JAX and TF read), and
 * this project's earlier JSON document — tensors exact as base64 of their little-endian float64
 * bytes, with a SHA-256 of the payload (computed synchronously by `@noble/hashes`, so this module
 * needs neither Node's crypto nor Web Crypto's promises) that detects truncation and bit flips.
 * Reading tells them apart by their first bytes and checks everything before it returns, and
 * `loadStateDict` checks keys and shapes before it writes, so bad bytes never half-load. A file
 * this library wrote verifies as a whole (safetensors.ts: a SHA-256 of header and data); a
 * safetensors file without that checksum is also checked against the model's and optimizer's
 * dtypes and shapes on restore. Errors name the function the user called (`loadBytes`,
 * `restoreBytes`, or the file layer's `load`, `restore`, `save`).
 */
import { sha256 } from '@noble/hashes/sha2';
import { DTypeError, Tensor } from '@ad/core';
import { CheckpointError, badTensorName, checkMeta, type Checkpoint } from './checkpoint-types.js';
import { Module, type StateDict } from './module.js';
import { Optimizer, type OptimizerState } from './optim.js';
import { FLOAT_DTYPES, STATE_TENSOR, checkpointBytes, readCheckpoint, type SaveDtype } from './safetensors.js';

export { CheckpointError, type Checkpoint };

const FORMAT = '@ad/nn checkpoint';
const VERSION = 2;

/** What to store beside the model's parameters, and how. */
export interface SaveOptions {
  optimizer?: Optimizer;
  /** A plain object of JSON values about the run (NaN, BigInt, cycles, functions, Dates are refused by path). */
  meta?: Record<string, unknown>;
  /** 'safetensors' (default) or 'json' (the earlier format, float64 only). */
  format?: 'safetensors' | 'json';
  /** safetensors' dtype: 'F64' (default, exact) or 'F32' (values beyond float32's range are refused). */
  dtype?: SaveDtype;
}

/** Checks what save is given before anything is written. */
export function checkSave(op: string, model: Module, options: SaveOptions): void {
  if (!(model instanceof Module)) throw new DTypeError(op, `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  if (options === null || typeof options !== 'object') throw new DTypeError(op, `options must be an object, got ${options === null ? 'null' : typeof options}`);
  if (options.optimizer !== undefined && !(options.optimizer instanceof Optimizer)) throw new DTypeError(op, 'options.optimizer must be an Optimizer');
  if (options.meta !== undefined) checkMeta(op, options.meta);
  if (options.format !== undefined && options.format !== 'safetensors' && options.format !== 'json') {
    throw new DTypeError(op, `format must be 'safetensors' or 'json', got ${String(options.format)}`);
  }
}

/** The first bytes of a checkpoint in the earlier JSON format. */
const JSON_MAGIC = '{"format"';

function isJson(bytes: Uint8Array): boolean {
  if (bytes.length < JSON_MAGIC.length) return false;
  for (let i = 0; i < JSON_MAGIC.length; i++) if (bytes[i] !== JSON_MAGIC.charCodeAt(i)) return false;
  return true;
}

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

/** What error messages call bytes that came from no file. */
const IN_MEMORY = 'the checkpoint';

/** A model (and optimizer, metadata) as checkpoint bytes: safetensors, or the earlier checksummed JSON. */
export function saveBytes(model: Module, options: SaveOptions = {}): Uint8Array {
  checkSave('saveBytes', model, options);
  return checkpointToBytes('saveBytes', model, options);
}

/** saveBytes for the function `op` the user called (save, saveBytes), after checkSave. */
export function checkpointToBytes(op: string, model: Module, options: SaveOptions): Uint8Array {
  if (options.format !== 'json') return checkpointBytes(op, model, options);
  const payload: Payload = {
    model: Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, encode(t.toFloat64Array(), t.shape)])),
    optimizer: options.optimizer === undefined ? null : encodeOptimizer(options.optimizer.stateDict()),
    meta: options.meta ?? {},
  };
  const body = JSON.stringify(payload);
  return new TextEncoder().encode(JSON.stringify({ format: FORMAT, version: VERSION, sha256: digest(body), payload: body }));
}

/**
 * Reads and verifies checkpoint bytes. Throws a CheckpointError that names the problem;
 * `source` (a file name) is what the messages call the bytes.
 */
export function loadBytes(bytes: Uint8Array, source: string = IN_MEMORY, format?: 'json'): Checkpoint {
  return readBytes('loadBytes', bytes, source, format);
}

/** loadBytes for the function `op` the user called (load, restore, restoreBytes), which its errors name. */
export function readBytes(op: string, bytes: Uint8Array, source: string, format?: 'json'): Checkpoint {
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError(op, `${source} must be a Uint8Array, got ${typeof bytes}`);
  // Bytes that do not start as the JSON format are safetensors, unless the caller knows better
  // (a file named .json, truncated before its first bytes could say so).
  if (format !== 'json' && !isJson(bytes)) return readCheckpoint(op, bytes, source);
  const text = new TextDecoder().decode(bytes);
  let outer: { format?: unknown; version?: unknown; sha256?: unknown; payload?: unknown };
  try {
    outer = JSON.parse(text);
  } catch {
    throw new CheckpointError(op, `${source} is not a complete checkpoint (truncated or not JSON, ${bytes.length} bytes)`);
  }
  if (outer?.format !== FORMAT) throw new CheckpointError(op, `${source} is not an @ad/nn checkpoint`);
  if (outer.version !== VERSION) throw new CheckpointError(op, `${source} has format version ${String(outer.version)}, this build reads ${VERSION}`);
  if (typeof outer.payload !== 'string' || outer.sha256 !== digest(outer.payload)) {
    throw new CheckpointError(op, `${source} is corrupted: its checksum does not match its contents`);
  }
  // The checksum proves the payload is what a writer signed, not that the writer was this library.
  let payload: Payload;
  try {
    payload = JSON.parse(outer.payload) as Payload;
  } catch {
    throw new CheckpointError(op, `${source}: its payload is not JSON`);
  }
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(payload) || !isObject(payload.model) || !isObject(payload.meta) || !(payload.optimizer === null || isObject(payload.optimizer))) {
    throw new CheckpointError(op, `${source}: its payload is not { model, optimizer, meta } (model and meta objects, optimizer an object or null)`);
  }
  const model: StateDict = Object.create(null);
  const stored: Checkpoint['stored'] = Object.create(null);
  for (const [k, s] of Object.entries(payload.model)) {
    const bad = badTensorName(k);
    if (bad !== undefined) throw new CheckpointError(op, `${source}: ${bad} is refused`);
    model[k] = decode(op, k, s, source);
    stored[k] = { dtype: 'F64', shape: [...model[k].shape] };
  }
  const optimizer = payload.optimizer === null ? null : decodeOptimizer(op, payload.optimizer, source);
  return { model, optimizer, meta: payload.meta, verified: 'file', stored };
}

/** Loads checkpoint bytes into a model (and optimizer); nothing is changed if any check fails. */
export function restoreBytes(bytes: Uint8Array, model: Module, optimizer?: Optimizer): Checkpoint {
  checkRestore('restoreBytes', model, optimizer);
  return restoreCheckpoint('restoreBytes', readBytes('restoreBytes', bytes, IN_MEMORY), model, optimizer);
}

/** Checks restore's model and optimizer before anything is read. */
export function checkRestore(op: string, model: Module, optimizer: Optimizer | undefined): void {
  if (!(model instanceof Module)) throw new DTypeError(op, `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  if (optimizer !== undefined && !(optimizer instanceof Optimizer))
    throw new DTypeError(op, `optimizer must be an Optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`);
}

/**
 * What a checksum did not vouch for, checked against the model and optimizer: every model tensor
 * stored as floating point (but the integer counters), every optimizer buffer floating point and
 * shaped as its parameter, every step a single number. A weight relabelled I64, or a moment of
 * [4,3] relabelled [3,4], reads as other numbers that the sizes alone would let through.
 */
function checkStored(op: string, ckpt: Checkpoint, optimizer: Optimizer | undefined, source: string): void {
  const refuse = (why: string): never => {
    throw new CheckpointError(op, `${source}: ${why} (a file without this library's checksum must match the model exactly)`);
  };
  for (const [name, { dtype, shape }] of Object.entries(ckpt.stored)) {
    const state = STATE_TENSOR.exec(name);
    if (state === null) {
      if (Object.hasOwn(ckpt.model, name) && !FLOAT_DTYPES.has(dtype) && !INTEGER_BUFFERS.test(name)) {
        refuse(`${name} is stored as ${dtype}, the model's ${name} is floating point`);
      }
      continue;
    }
    const param = optimizer?.params[Number(state[1])];
    if (param === undefined) continue; // no optimizer to restore, or a parameter it lacks: loadStateDict says which
    if (state[2] === 'step') {
      if (shape.length > 1 || shape.some((d) => d !== 1)) refuse(`${name} has shape [${shape.join(',')}], a step count is one number`);
      continue;
    }
    if (!FLOAT_DTYPES.has(dtype)) refuse(`${name} is stored as ${dtype}, not as floating point`);
    if (shape.length !== param.shape.length || shape.some((d, i) => d !== param.shape[i])) {
      refuse(`${name} has shape [${shape.join(',')}], its parameter has [${param.shape.join(',')}]`);
    }
  }
}

/** The integer buffers of PyTorch's layers, stored as I64 by torch; every other state tensor is floating point. */
const INTEGER_BUFFERS = /(^|\.)num_batches_tracked$/;

/**
 * Loads a read checkpoint into a model (and optimizer), all or nothing; `op` (the function the
 * user called) and `source` name it in errors. A checkpoint whose header no checksum vouched
 * for must also store each floating-point tensor as floating point: a weight relabelled I64 or
 * I32 reads as other numbers of the same size, which shapes alone would not catch.
 */
export function restoreCheckpoint(op: string, ckpt: Checkpoint, model: Module, optimizer?: Optimizer, source: string = IN_MEMORY): Checkpoint {
  if (ckpt.verified !== 'file') checkStored(op, ckpt, optimizer, source);
  const before = model.stateDict();
  model.loadStateDict(ckpt.model);
  if (optimizer !== undefined) {
    if (ckpt.optimizer === null) {
      model.loadStateDict(before);
      throw new CheckpointError(op, `${source} holds no optimizer state`);
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

function encodeOptimizer(state: OptimizerState): StoredOptimizer {
  return {
    ...state,
    buffers: state.buffers.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, encode(Float64Array.from(v), [v.length])]))),
  };
}

function decodeOptimizer(op: string, stored: StoredOptimizer, source: string): OptimizerState {
  if (!Array.isArray(stored.buffers)) throw new CheckpointError(op, `${source}: the optimizer state has no buffers`);
  return {
    ...stored,
    buffers: stored.buffers.map((b, i) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Array.from(decode(op, `optimizer buffer ${i}.${k}`, v, source).toFloat64Array())])),
    ),
  };
}

function encode(data: Float64Array, shape: readonly number[]): StoredTensor {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat64(i * 8, data[i], true);
  return { shape: [...shape], data: toBase64(bytes) };
}

function decode(op: string, key: string, s: StoredTensor, source: string): Tensor {
  if (!Array.isArray(s?.shape) || typeof s.data !== 'string') throw new CheckpointError(op, `${source}: entry ${key} is not a stored tensor`);
  // A checksum proves the bytes are the writer's, not that the writer was sane.
  if (!s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CheckpointError(op, `${source}: ${key} has shape ${JSON.stringify(s.shape)}, not a list of non-negative integer sizes`);
  }
  const bytes = fromBase64(s.data);
  const n = s.shape.reduce((a, b) => a * b, 1);
  if (bytes === null || bytes.length !== n * 8) {
    const held = bytes === null ? 'malformed base64' : `${bytes.length / 8} values`;
    throw new CheckpointError(op, `${source}: ${key} holds ${held}, its shape [${s.shape.join(',')}] needs ${n}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat64(i * 8, true);
  return Tensor.fromData(data, s.shape);
}

function digest(body: string): string {
  let hex = '';
  for (const b of sha256(new TextEncoder().encode(body))) hex += b.toString(16).padStart(2, '0');
  return hex;
}

// `btoa`/`atob` exist in browsers and in Node ≥ 16; they take "binary strings", built here in
// slices so a large tensor never overflows the argument count of String.fromCharCode.
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
