/**
 * safetensors, the tensor file of PyTorch, JAX, TF and the JS ML libraries, as bytes (no file
 * system, so it runs in browsers too). The published format:
 *
 *   8 bytes   N, the header's length, unsigned 64-bit little-endian
 *   N bytes   a JSON object: { name: { dtype, shape, data_offsets: [begin, end] }, …,
 *             "__metadata__": { string: string } }  (may end in spaces, for alignment)
 *   the rest  the tensors' bytes, little-endian, row-major; offsets count from here
 *
 * Reading checks everything before returning anything: a file shorter than its header says,
 * a header size that is not a safe integer, unknown dtypes, offsets out of range, overlapping,
 * or leaving holes (the format requires the data to be covered exactly), sizes that disagree
 * with shapes — each is a CheckpointError naming the file and the entry. The format has no
 * checksum, so the writer puts the CRC-32 of the data in `__metadata__.crc32` (other readers
 * ignore it) and the reader, when it is there, refuses data that no longer matches it: a bit
 * flipped in a tensor is caught as the earlier JSON format's SHA-256 caught it.
 *
 * A model checkpoint is the state dict under its PyTorch keys (so `safetensors.torch.load_file`
 * gives a dict `model.load_state_dict` takes), with the optimizer state and the run's
 * metadata as JSON strings in `__metadata__` (keys `optimizer` and `meta`).
 */
import { DTypeError, Tensor } from '@ad/core';
import { CheckpointError, type Checkpoint } from './checkpoint-types.js';
import type { Module, StateDict } from './module.js';
import type { Optimizer, OptimizerState } from './optim.js';

/** The dtypes written: float64 (exact) or float32 (half the size). */
export type SaveDtype = 'F64' | 'F32';

/** Bytes per element of the dtypes read; every one is converted to float64. */
const ITEM_SIZE: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** A decoded file: its tensors by name (as float64) and its `__metadata__`. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Encodes tensors (and string metadata) as a safetensors file, tensors in the order given. */
export function encodeSafetensors(tensors: Record<string, Tensor>, options: { dtype?: SaveDtype; metadata?: Record<string, string> } = {}): Uint8Array {
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || !Object.values(tensors).every((t) => t instanceof Tensor)) {
    throw new DTypeError('encodeSafetensors', 'tensors must be an object of Tensors by name');
  }
  if (options === null || typeof options !== 'object')
    throw new DTypeError('encodeSafetensors', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  const dtype = options.dtype ?? 'F64';
  if (dtype !== 'F64' && dtype !== 'F32') throw new CheckpointError('save', `dtype must be 'F64' or 'F32', got ${String(dtype)}`);
  const size = ITEM_SIZE[dtype];
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (typeof v !== 'string') throw new CheckpointError('save', `metadata ${k} must be a string, got ${typeof v}`);
  }
  const metadata: Record<string, string> = { ...options.metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new CheckpointError('save', 'a tensor cannot be named __metadata__');
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.size * size] };
    offset += t.size * size;
  }
  const data = new Uint8Array(offset);
  const view = new DataView(data.buffer);
  let at = 0;
  for (const t of Object.values(tensors)) {
    const values = t.toFloat64Array();
    if (dtype === 'F64') for (let i = 0; i < values.length; i++, at += 8) view.setFloat64(at, values[i], true);
    else for (let i = 0; i < values.length; i++, at += 4) view.setFloat32(at, values[i], true);
  }
  metadata.crc32 = crc32(data).toString(16).padStart(8, '0');
  let json = new TextEncoder().encode(JSON.stringify({ __metadata__: metadata, ...header }));
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const bytes = new Uint8Array(8 + json.length + offset);
  const head = new DataView(bytes.buffer);
  head.setUint32(0, json.length, true);
  head.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the polynomial of zip and PNG) of some bytes. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Decodes a safetensors file; `source` names it in errors (a path, or 'bytes'). */
export function decodeSafetensors(bytes: Uint8Array, source = 'bytes'): SafetensorsContents {
  const fail = (why: string): never => {
    throw new CheckpointError('load', `${source}: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected the file as a Uint8Array');
  if (bytes.length < 8) fail(`is truncated: ${bytes.length} bytes, not even the 8-byte header size`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (!Number.isSafeInteger(n)) fail(`its header size ${n} is not a usable number`);
  if (n < 2) fail(`its header size ${n} cannot hold a JSON object`);
  if (8 + n > bytes.length) fail(`is truncated or its header size lies: the header claims ${n} bytes, the file has ${bytes.length - 8} after the size`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    fail(`its ${n}-byte header is not JSON (a corrupt or non-safetensors file)`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('its header is not a JSON object');
  const dataLength = bytes.length - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`entry ${name} is not a tensor description`);
    if (typeof e.dtype !== 'string' || !(e.dtype in ITEM_SIZE))
      fail(`entry ${name} has dtype ${JSON.stringify(e.dtype)}; readable: ${Object.keys(ITEM_SIZE).join(', ')}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      fail(`entry ${name} has shape ${JSON.stringify(e.shape)}, not a list of sizes`);
    const o = e.data_offsets;
    if (!Array.isArray(o) || o.length !== 2 || !o.every((v) => Number.isSafeInteger(v) && v >= 0) || o[0] > o[1]) {
      fail(`entry ${name} has data_offsets ${JSON.stringify(o)}, not [begin, end] with 0 ≤ begin ≤ end`);
    }
    const [begin, end] = o as number[];
    const shape = e.shape as number[];
    if (end > dataLength) fail(`entry ${name} ends at byte ${end} of the data, which has only ${dataLength} (truncated, or the offsets lie)`);
    const count = shape.reduce((a, b) => a * b, 1);
    const want = count * ITEM_SIZE[e.dtype as string];
    if (end - begin !== want) fail(`entry ${name} has ${end - begin} bytes, its shape [${shape.join(',')}] of ${e.dtype as string} needs ${want}`);
    entries.push({ name, dtype: e.dtype as string, shape, begin, end });
  }
  // The data must be covered exactly once: sorted by start, each entry begins where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin < covered) fail(`entry ${e.name} overlaps the entry before it (starts at byte ${e.begin}, the previous ends at ${covered})`);
    if (e.begin > covered) fail(`bytes ${covered}–${e.begin} of the data belong to no entry (a hole before ${e.name})`);
    covered = e.end;
  }
  if (covered !== dataLength) fail(`the data has ${dataLength} bytes but the entries cover ${covered}`);
  if (
    metadata.crc32 !== undefined &&
    crc32(bytes.subarray(8 + n))
      .toString(16)
      .padStart(8, '0') !== metadata.crc32
  ) {
    fail(`is corrupted: its data does not match the CRC-32 ${metadata.crc32} in its header`);
  }
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) tensors[e.name] = Tensor.fromData(readValues(view, 8 + n + e.begin, e), e.shape);
  return { tensors, metadata };
}

/** One entry's elements as float64. */
function readValues(view: DataView, at: number, e: Entry): Float64Array {
  const count = (e.end - e.begin) / ITEM_SIZE[e.dtype];
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (e.dtype) {
      case 'F64':
        out[i] = view.getFloat64(at + 8 * i, true);
        break;
      case 'F32':
        out[i] = view.getFloat32(at + 4 * i, true);
        break;
      case 'F16':
        out[i] = half(view.getUint16(at + 2 * i, true));
        break;
      // bfloat16 is the top half of a float32.
      case 'BF16':
        out[i] = new Float32Array(new Uint32Array([view.getUint16(at + 2 * i, true) << 16]).buffer)[0];
        break;
      case 'I64':
        out[i] = Number(view.getBigInt64(at + 8 * i, true));
        break;
      case 'I32':
        out[i] = view.getInt32(at + 4 * i, true);
        break;
      case 'I16':
        out[i] = view.getInt16(at + 2 * i, true);
        break;
      case 'I8':
        out[i] = view.getInt8(at + i);
        break;
      default:
        out[i] = view.getUint8(at + i); // U8, BOOL
    }
  }
  return out;
}

/** An IEEE half-precision number from its 16 bits. */
function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** What a model checkpoint carries besides the weights. */
export interface CheckpointOptions {
  /** Its state (step count, moment buffers) goes in `__metadata__.optimizer`, as JSON. */
  optimizer?: Optimizer;
  /** Anything JSON-safe about the run, in `__metadata__.meta`. */
  meta?: Record<string, unknown>;
  /** 'F64' (default, exact) or 'F32'. */
  dtype?: SaveDtype;
}

/** A model's state dict (and optimizer state, run metadata) as safetensors bytes. */
export function toSafetensors(model: Module, options: CheckpointOptions = {}): Uint8Array {
  if (model === null || typeof model !== 'object' || typeof (model as { stateDict?: unknown }).stateDict !== 'function') {
    throw new DTypeError('toSafetensors', `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  }
  if (options === null || typeof options !== 'object')
    throw new DTypeError('toSafetensors', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  const metadata: Record<string, string> = { format: '@ad/nn' };
  if (options.optimizer !== undefined) metadata.optimizer = JSON.stringify(options.optimizer.stateDict());
  if (options.meta !== undefined) metadata.meta = JSON.stringify(options.meta);
  return encodeSafetensors(model.stateDict(), { dtype: options.dtype, metadata });
}

/**
 * A checkpoint from safetensors bytes: the tensors as the model's state dict, the optimizer
 * state and run metadata from `__metadata__` when present (a file PyTorch wrote has neither).
 */
export function fromSafetensors(bytes: Uint8Array, source = 'bytes'): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]);
    } catch {
      throw new CheckpointError('load', `${source}: __metadata__.${key} is not JSON`);
    }
  };
  const optimizer = metadata.optimizer === undefined ? null : (parse('optimizer') as OptimizerState);
  const meta = metadata.meta === undefined ? {} : parse('meta');
  if (typeof meta !== 'object' || meta === null) throw new CheckpointError('load', `${source}: __metadata__.meta is not a JSON object`);
  const model: StateDict = tensors;
  return { model, optimizer, meta: meta as Record<string, unknown> };
}
