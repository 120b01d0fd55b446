/**
 * safetensors, the tensor file of PyTorch, JAX, TF and the JS ML libraries, as bytes (no file
 * system, so it runs in browsers too). The published format:
 *
 *   8 bytes   N, the header's length, unsigned 64-bit little-endian
 *   N bytes   a JSON object: { name: { dtype, shape, data_offsets: [begin, end] }, …,
 *             "__metadata__": { string: string } }  (may end in spaces, for alignment)
 *   the rest  the tensors' bytes, little-endian, row-major; offsets count from here
 *
 * Reading checks every file strictly before returning anything: a file shorter than its header
 * says, a header size that is not a safe integer, a header that is not one JSON object, a key
 * that appears twice anywhere in it (JSON.parse would keep the last silently), tensor names
 * that are empty or a property every object has (`__proto__`, `constructor`), unknown dtypes
 * or fields, offsets out of range, overlapping or leaving holes (the data must be covered
 * exactly), sizes that disagree with shapes — each a CheckpointError naming the file and entry.
 *
 * The format has no checksum, so this library's writer adds one that covers the whole file:
 * `__metadata__.sha256` is the SHA-256 of every byte of the file (size, header, data) with
 * the 64 hex digits of the checksum itself read as '0'. The writer always puts it first, so
 * it sits at a fixed place (right after `{"__metadata__":{"sha256":"`) and the reader blanks
 * exactly those bytes: no re-serialization, whose key order and number formatting could
 * differ, and no search that a crafted name containing the same text could fool. Other
 * readers ignore the key. A file that carries `format: @ad/nn` but no checksum was edited and
 * is refused; a file with no checksum at all (PyTorch's) is read under the strict checks, and
 * restoring it into a model also requires floating-point dtypes where the model has them.
 *
 * A model checkpoint is the state dict under its PyTorch keys (so `safetensors.torch.load_file`
 * gives a dict `model.load_state_dict` takes), the optimizer's buffers as tensors under the
 * names of PyTorch's optimizer `state_dict` (`optimizer.state.0.exp_avg`, `….exp_avg_sq`,
 * `….step`, `….momentum_buffer`), its hyper-parameters as `__metadata__["optimizer.param_groups"]`
 * (JSON, PyTorch's snake_case names), and the run's metadata as JSON in `__metadata__.meta`.
 */
import { sha256 } from '@noble/hashes/sha2';
import { DTypeError, Tensor, ValueError } from '@ad/core';
import { CheckpointError, badTensorName, checkMeta, type Checkpoint, type Verification } from './checkpoint-types.js';
import type { Module, StateDict } from './module.js';
import type { Optimizer, OptimizerState } from './optim.js';

/** The dtypes written: float64 (exact) or float32 (half the size). */
export type SaveDtype = 'F64' | 'F32';

/** Bytes per element of the dtypes read; every one is converted to float64. */
const ITEM_SIZE: ReadonlyMap<string, number> = new Map([
  ['F64', 8],
  ['F32', 4],
  ['F16', 2],
  ['BF16', 2],
  ['I64', 8],
  ['I32', 4],
  ['I16', 2],
  ['I8', 1],
  ['U8', 1],
  ['BOOL', 1],
]);

/** The dtypes that hold fractions: a model's floating-point parameter is restored only from one of these. */
export const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F64', 'F32', 'F16', 'BF16']);

/** The largest finite float32; anything larger in magnitude rounds to ±Infinity when stored as F32. */
const F32_MAX = 3.4028234663852886e38;

/** A decoded file: its tensors by name (as float64), each one's stored dtype, its `__metadata__`, and what a checksum vouched for. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  dtypes: Record<string, string>;
  verified: Verification;
}

/** What marks a file as this library's, in `__metadata__.format`. */
const FORMAT = '@ad/nn';
/** Every file this library writes begins its header with these bytes; the checksum's 64 hex digits follow. */
const CHECKSUM_PREFIX = '{"__metadata__":{"sha256":"';
const CHECKSUM_DIGITS = 64;

interface OutEntry {
  name: string;
  tensor: Tensor;
  dtype: SaveDtype;
}

/** Encodes tensors (and string metadata) as a safetensors file, tensors in the order given. */
export function encodeSafetensors(tensors: Record<string, Tensor>, options: { dtype?: SaveDtype; metadata?: Record<string, string> } = {}): Uint8Array {
  const op = 'encodeSafetensors';
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || !Object.values(tensors).every((t) => t instanceof Tensor)) {
    throw new DTypeError(op, 'tensors must be an object of Tensors by name');
  }
  if (options === null || typeof options !== 'object') throw new DTypeError(op, `options must be an object, got ${options === null ? 'null' : typeof options}`);
  const dtype = checkDtype(op, options.dtype);
  return encode(
    op,
    Object.entries(tensors).map(([name, tensor]) => ({ name, tensor, dtype })),
    options.metadata ?? {},
  );
}

function checkDtype(op: string, dtype: unknown): SaveDtype {
  if (dtype === undefined) return 'F64';
  if (dtype !== 'F64' && dtype !== 'F32') throw new DTypeError(op, `dtype must be 'F64' or 'F32', got ${String(dtype)}`);
  return dtype;
}

/** The file: header (checksum first, then the rest of the metadata, then the entries in order), data, and the checksum filled in last. */
function encode(op: string, entries: readonly OutEntry[], metadata: Record<string, string>): Uint8Array {
  if (metadata === null || typeof metadata !== 'object') throw new DTypeError(op, 'metadata must be an object of strings');
  // `format` is ours unless the caller names another (transformers reads only files whose format is 'pt', 'tf', 'flax' or 'mlx').
  const metaParts = [`"sha256":"${'0'.repeat(CHECKSUM_DIGITS)}"`];
  for (const [k, v] of Object.entries({ format: FORMAT, ...metadata })) {
    if (typeof v !== 'string') throw new DTypeError(op, `metadata ${k} must be a string, got ${typeof v}`);
    if (k === 'sha256' || k === 'crc32') throw new ValueError(op, `metadata key ${k} is the writer's own (the file's checksum)`);
    metaParts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  const seen = new Set<string>();
  const parts: string[] = [];
  let offset = 0;
  for (const { name, tensor, dtype } of entries) {
    const bad = name === '__metadata__' ? 'a tensor named __metadata__' : badTensorName(name);
    if (bad !== undefined) throw new ValueError(op, `${bad} cannot be saved: readers refuse it`);
    if (seen.has(name)) throw new ValueError(op, `two tensors are named ${name}`);
    seen.add(name);
    const size = ITEM_SIZE.get(dtype)! * tensor.size;
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape: [...tensor.shape], data_offsets: [offset, offset + size] })}`);
    offset += size;
  }
  // Built by hand, not by JSON.stringify of an object: an object lists integer-like keys ("0")
  // first, and the checksum must come first and the entries in data order.
  let json = new TextEncoder().encode(`{"__metadata__":{${metaParts.join(',')}}${parts.map((p) => `,${p}`).join('')}}`);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const bytes = new Uint8Array(8 + json.length + offset);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  bytes.set(json, 8);
  let at = 8 + json.length;
  for (const { name, tensor, dtype } of entries) {
    const values = tensor.toFloat64Array();
    if (dtype === 'F64') {
      for (let i = 0; i < values.length; i++, at += 8) view.setFloat64(at, values[i], true);
      continue;
    }
    for (let i = 0; i < values.length; i++, at += 4) {
      const v = values[i];
      if (Math.abs(v) > F32_MAX && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
        throw new ValueError(
          op,
          `${name} holds ${v} (element ${i}), beyond float32's range ±${F32_MAX.toPrecision(8)}: as F32 it would load as ${v > 0 ? '' : '-'}Infinity; save with dtype 'F64'`,
        );
      }
      view.setFloat32(at, v, true);
    }
  }
  const digest = hex(fileDigest(bytes));
  bytes.set(new TextEncoder().encode(digest), 8 + CHECKSUM_PREFIX.length);
  return bytes;
}

/** SHA-256 of byte runs in order: portable (@noble/hashes, for browsers) unless a faster one is installed. */
let sha256Of = (parts: readonly Uint8Array[]): Uint8Array => {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * Installs another implementation of the same SHA-256 (Node's file layer installs node:crypto's,
 * about ten times faster: 25 ms instead of 280 for a 4.9 MB checkpoint). Not exported by the package.
 */
export function useSha256(f: (parts: readonly Uint8Array[]) => Uint8Array): void {
  sha256Of = f;
}

/** SHA-256 of the file with its checksum's digits read as '0' (they sit at a fixed place: see the file comment). */
function fileDigest(bytes: Uint8Array): Uint8Array {
  const at = 8 + CHECKSUM_PREFIX.length;
  return sha256Of([bytes.subarray(0, at), new Uint8Array(CHECKSUM_DIGITS).fill(0x30), bytes.subarray(at + CHECKSUM_DIGITS)]);
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
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

/** CRC-32 (the polynomial of zip and PNG) of some bytes: the data checksum of files from earlier versions. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The first key that appears twice in one object of a JSON text that JSON.parse accepted, or
 * undefined. JSON.parse keeps the last of duplicates without a word, so a second `__metadata__`
 * or a second entry of one name would silently replace the first. A scan of the text, not a
 * reviver: a reviver sees only the surviving value.
 */
function duplicateKey(text: string): string | undefined {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (c === '[') stack.push({ keys: null, expectKey: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
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
  return readSafetensors('decodeSafetensors', bytes, source);
}

/** decodeSafetensors for the function `op` the user called (load, restoreBytes, …), which its errors name. */
export function readSafetensors(op: string, bytes: Uint8Array, source: string): SafetensorsContents {
  const fail = (why: string): never => {
    throw new CheckpointError(op, `${source}: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected the file as a Uint8Array');
  if (bytes.length < 8) fail(`is truncated: ${bytes.length} bytes, not even the 8-byte header size`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (!Number.isSafeInteger(n)) fail(`its header size ${n} is not a usable number`);
  if (n < 2) fail(`its header size ${n} cannot hold a JSON object`);
  if (8 + n > bytes.length) fail(`is truncated or its header size lies: the header claims ${n} bytes, the file has ${bytes.length - 8} after the size`);
  let text = '';
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch {
    fail(`its ${n}-byte header is not JSON (a corrupt or non-safetensors file)`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('its header is not a JSON object');
  const twice = duplicateKey(text);
  if (twice !== undefined) fail(`its header has the key ${JSON.stringify(twice)} twice (JSON would keep only the last)`);
  const dataLength = bytes.length - 8 - n;
  const metadata: Record<string, string> = Object.create(null);
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
    const bad = badTensorName(name);
    if (bad !== undefined) fail(`${bad} is refused`);
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(`entry ${name} is not a tensor description`);
    const extra = Object.keys(e).find((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra !== undefined) fail(`entry ${name} has the unknown field ${JSON.stringify(extra)} (a tensor has dtype, shape, data_offsets)`);
    const size = typeof e.dtype === 'string' ? ITEM_SIZE.get(e.dtype) : undefined;
    if (size === undefined) fail(`entry ${name} has dtype ${JSON.stringify(e.dtype)}; readable: ${[...ITEM_SIZE.keys()].join(', ')}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      fail(`entry ${name} has shape ${JSON.stringify(e.shape)}, not a list of sizes`);
    const o = e.data_offsets;
    if (!Array.isArray(o) || o.length !== 2 || !o.every((v) => Number.isSafeInteger(v) && v >= 0) || o[0] > o[1]) {
      fail(`entry ${name} has data_offsets ${JSON.stringify(o)}, not [begin, end] with 0 ≤ begin ≤ end`);
    }
    const [begin, end] = o as number[];
    const shape = e.shape as number[];
    if (end > dataLength) fail(`entry ${name} ends at byte ${end} of the data, which has only ${dataLength} (truncated, or the offsets lie)`);
    const want = shape.reduce((a, b) => a * b, 1) * (size as number);
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
  const verified = verify(bytes, n, metadata, fail);
  const tensors: Record<string, Tensor> = Object.create(null);
  const dtypes: Record<string, string> = Object.create(null);
  for (const e of entries) {
    tensors[e.name] = Tensor.fromData(readValues(view, 8 + n + e.begin, e), e.shape);
    dtypes[e.name] = e.dtype;
  }
  return { tensors, metadata, dtypes, verified };
}

/** Checks the file's checksum, when it has one, and says what it covered. */
function verify(bytes: Uint8Array, n: number, metadata: Record<string, string>, fail: (why: string) => never): Verification {
  const sum = metadata.sha256;
  if (sum !== undefined) {
    const at = 8 + CHECKSUM_PREFIX.length;
    const placed = new TextDecoder().decode(bytes.subarray(8, at + CHECKSUM_DIGITS + 1));
    if (placed !== `${CHECKSUM_PREFIX}${sum}"` || !/^[0-9a-f]{64}$/.test(sum)) {
      fail('its sha256 checksum is not where this library writes it (first in the header): the header was rewritten');
    }
    if (hex(fileDigest(bytes)) !== sum)
      fail(`is corrupted or was edited: its header and data do not match the SHA-256 checksum ${sum.slice(0, 12)}… in its header`);
    return 'file';
  }
  if (metadata.crc32 !== undefined) {
    if (
      crc32(bytes.subarray(8 + n))
        .toString(16)
        .padStart(8, '0') !== metadata.crc32
    ) {
      fail(`is corrupted: its data does not match the CRC-32 ${metadata.crc32} in its header`);
    }
    return 'data';
  }
  if (metadata.format === FORMAT) fail(`says it was written by ${FORMAT} but carries no checksum (removed?), so its contents cannot be trusted`);
  return 'none';
}

/** One entry's elements as float64. */
function readValues(view: DataView, at: number, e: Entry): Float64Array {
  const count = (e.end - e.begin) / ITEM_SIZE.get(e.dtype)!;
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
  /** Its buffers become tensors `optimizer.state.<i>.<name>`, its hyper-parameters `__metadata__["optimizer.param_groups"]`. */
  optimizer?: Optimizer;
  /** A plain object of JSON values about the run, in `__metadata__.meta`. */
  meta?: Record<string, unknown>;
  /** 'F64' (default, exact) or 'F32'; values beyond float32's range are refused under 'F32'. */
  dtype?: SaveDtype;
}

/** Our buffer names → PyTorch's optimizer state_dict names (torch.optim.Adam, SGD). */
const TORCH_BUFFER: Readonly<Record<string, string>> = { m: 'exp_avg', v: 'exp_avg_sq', vMax: 'max_exp_avg_sq', momentum: 'momentum_buffer', step: 'step' };
const OUR_BUFFER: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(TORCH_BUFFER).map(([a, b]) => [b, a]));
/** An optimizer buffer's name: `optimizer.state.<parameter index>.<buffer>`. */
export const STATE_TENSOR = /^optimizer\.state\.(0|[1-9][0-9]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A model's state dict (and optimizer state, run metadata) as safetensors bytes. */
export function toSafetensors(model: Module, options: CheckpointOptions = {}): Uint8Array {
  return checkpointBytes('toSafetensors', model, options);
}

/** toSafetensors for the function `op` the user called (save, saveBytes), which its errors name; the arguments are checked. */
export function checkpointBytes(op: string, model: Module, options: CheckpointOptions): Uint8Array {
  if (model === null || typeof model !== 'object' || typeof (model as { stateDict?: unknown }).stateDict !== 'function') {
    throw new DTypeError(op, `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  }
  if (options === null || typeof options !== 'object') throw new DTypeError(op, `options must be an object, got ${options === null ? 'null' : typeof options}`);
  const dtype = checkDtype(op, options.dtype);
  const metadata: Record<string, string> = {};
  if (options.meta !== undefined) {
    checkMeta(op, options.meta);
    metadata.meta = JSON.stringify(options.meta);
  }
  const entries: OutEntry[] = Object.entries(model.stateDict()).map(([name, tensor]) => ({ name, tensor, dtype }));
  const optimizer = options.optimizer;
  if (optimizer !== undefined) {
    const state = optimizer.stateDict();
    const { params, ...hyper } = { params: state.buffers.map((_, i) => i), ...state.options };
    metadata['optimizer.kind'] = state.kind;
    metadata['optimizer.step'] = String(state.step);
    metadata['optimizer.param_groups'] = JSON.stringify([{ ...Object.fromEntries(Object.entries(hyper).map(([k, v]) => [snake(k), v])), params }]);
    state.buffers.forEach((buffers, i) => {
      const shape = optimizer.params[i].shape;
      const size = optimizer.params[i].data.length;
      for (const [key, values] of Object.entries(buffers)) {
        // The step count is kept exact whatever the dtype; the moments take the file's dtype, as in PyTorch.
        const isStep = key === 'step';
        const tensor = Tensor.fromData(Float64Array.from(values), isStep && values.length === 1 ? [] : values.length === size ? shape : [values.length]);
        entries.push({ name: `optimizer.state.${i}.${TORCH_BUFFER[key] ?? key}`, tensor, dtype: isStep ? 'F64' : dtype });
      }
    });
  }
  return encode(op, entries, metadata);
}

/**
 * A checkpoint from safetensors bytes: the tensors as the model's state dict, the optimizer
 * state and run metadata when present (a file PyTorch wrote has neither).
 */
export function fromSafetensors(bytes: Uint8Array, source = 'bytes'): Checkpoint {
  return readCheckpoint('fromSafetensors', bytes, source);
}

/** fromSafetensors for the function `op` the user called, which its errors name. */
export function readCheckpoint(op: string, bytes: Uint8Array, source: string): Checkpoint {
  const { tensors, metadata, dtypes, verified } = readSafetensors(op, bytes, source);
  const stored: Checkpoint['stored'] = Object.create(null);
  for (const [name, t] of Object.entries(tensors)) stored[name] = { dtype: dtypes[name], shape: [...t.shape] };
  const fail = (why: string): never => {
    throw new CheckpointError(op, `${source}: ${why}`);
  };
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]);
    } catch {
      return fail(`__metadata__.${key} is not JSON`);
    }
  };
  const meta = metadata.meta === undefined ? {} : parse('meta');
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) fail('__metadata__.meta is not a JSON object');
  let optimizer: OptimizerState | null = null;
  const model: StateDict = Object.create(null);
  if (metadata['optimizer.kind'] !== undefined) {
    const buffers = optimizerGroups(metadata, parse, fail);
    for (const [name, t] of Object.entries(tensors)) {
      const m = STATE_TENSOR.exec(name);
      if (m === null) {
        model[name] = t;
        continue;
      }
      const i = Number(m[1]);
      if (i >= buffers.length) fail(`${name} is the state of parameter ${i}, but optimizer.param_groups lists ${buffers.length} parameters`);
      buffers[i][OUR_BUFFER[m[2]] ?? m[2]] = Array.from(t.toFloat64Array());
    }
    const step = Number(metadata['optimizer.step']);
    if (!/^(0|[1-9][0-9]*)$/.test(metadata['optimizer.step'] ?? '') || !Number.isSafeInteger(step)) {
      fail(`__metadata__["optimizer.step"] is ${JSON.stringify(metadata['optimizer.step'])}, not a step count`);
    }
    const group = (parse('optimizer.param_groups') as Record<string, unknown>[])[0];
    const options = Object.fromEntries(Object.entries(group).flatMap(([k, v]) => (k === 'params' ? [] : [[camel(k), v]])));
    optimizer = { kind: metadata['optimizer.kind'], step, options, buffers };
  } else {
    for (const [name, t] of Object.entries(tensors)) model[name] = t;
    // Files of earlier versions kept the optimizer's state as JSON text here.
    if (metadata.optimizer !== undefined) optimizer = parse('optimizer') as OptimizerState;
  }
  return { model, optimizer, meta: meta as Record<string, unknown>, verified, stored };
}

/** Empty buffers for each parameter `optimizer.param_groups` lists, after checking it is one group of parameters 0…n−1. */
function optimizerGroups(metadata: Record<string, string>, parse: (key: string) => unknown, fail: (why: string) => never): Record<string, number[]>[] {
  if (metadata['optimizer.param_groups'] === undefined) fail('__metadata__ names an optimizer but has no optimizer.param_groups');
  const groups = parse('optimizer.param_groups');
  if (!Array.isArray(groups) || groups.length !== 1 || groups[0] === null || typeof groups[0] !== 'object' || Array.isArray(groups[0])) {
    fail('__metadata__["optimizer.param_groups"] is not a list of one parameter group (this library’s optimizers have one)');
  }
  const params = (groups as { params?: unknown }[])[0].params;
  if (!Array.isArray(params) || !params.every((p, i) => p === i)) fail('optimizer.param_groups[0].params is not the list 0, 1, …, n−1');
  return (params as number[]).map(() => Object.create(null) as Record<string, number[]>);
}
