/**
 * The blocks of the kernels' shared WebAssembly memory: one allocator over everything past the
 * kernels' static data, handing out both the scratch region that products and updates copy
 * their operands into and the resident blocks that long-lived tensors live in (resident.ts).
 * A scratch region and a resident block therefore never overlap, whichever thread runs a job.
 *
 * Blocks are 16-byte aligned (f64x2 loads) and come from a free list kept in address order,
 * first fit, freed blocks coalesced with their neighbours. The memory grows at its top when no
 * free block fits and never shrinks (WebAssembly memory cannot), so its size is the high-water
 * mark of scratch plus residents. Only a shared memory may hold residents: growing it keeps
 * every earlier view of it valid, where growing a plain memory detaches its buffer.
 */

/** The memory an arena carves up: a WebAssembly.Memory. */
export interface ArenaMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

const PAGE = 65536;
const ALIGN = 16;

/** A run of free bytes: [at, at + size). */
interface Free {
  at: number;
  size: number;
}

/** The blocks of one memory past its static data: a scratch region and resident blocks, from one free list. */
export class Arena {
  /** Free runs in address order, none adjacent to another. */
  private readonly free: Free[] = [];
  /** Every `memory.buffer` a view was made on: what marks an array as living in this memory. */
  private readonly buffers = new WeakSet<ArrayBuffer | SharedArrayBuffer>();
  /** The scratch region: its first byte and size (0: none yet). */
  private scratchAt = 0;
  private scratchSize = 0;
  /** Bytes of resident blocks handed out and not yet freed. */
  residentBytes = 0;

  /** An arena over `memory` from byte `start` (past the static data) to its end. */
  constructor(
    readonly memory: ArenaMemory,
    start: number,
  ) {
    const at = align(start);
    const end = memory.buffer.byteLength;
    if (end > at) this.free.push({ at, size: end - at });
    this.buffers.add(memory.buffer);
  }

  /** The byte address of x[0] when x is a view on this memory, else -1. */
  addressOf(x: ArrayBufferView): number {
    return this.buffers.has(x.buffer) ? x.byteOffset : -1;
  }

  /** A view of n float64s at byte address `at`, on the memory as it is now. */
  view(at: number, n: number): Float64Array {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Float64Array(buffer, at, n);
  }

  /**
   * A scratch region of at least `bytes`, valid until the next call: the one held already if
   * it is large enough, else a new block (the old one freed first, so it may be reused). The
   * byte address of its start, or -1 if the memory cannot hold it.
   */
  scratch(bytes: number): number {
    if (bytes <= this.scratchSize) return this.scratchAt;
    if (this.scratchSize > 0) this.release(this.scratchAt, this.scratchSize);
    this.scratchSize = 0;
    const at = this.take(bytes);
    if (at < 0) return -1;
    this.scratchAt = at;
    this.scratchSize = align(bytes);
    return at;
  }

  /** A resident block of `bytes` (not zeroed); -1 when it would take resident bytes past `cap` or the memory is full. */
  allocate(bytes: number, cap: number): number {
    const size = align(Math.max(bytes, ALIGN));
    if (this.residentBytes + size > cap) return -1;
    const at = this.take(size);
    if (at >= 0) this.residentBytes += size;
    return at;
  }

  /** Returns a resident block of `bytes` at `at` (from allocate). */
  freeResident(at: number, bytes: number): void {
    const size = align(Math.max(bytes, ALIGN));
    this.residentBytes -= size;
    this.release(at, size);
  }

  /** Bytes of free runs (for tests: what coalescing leaves). */
  get freeBytes(): number {
    return this.free.reduce((s, f) => s + f.size, 0);
  }

  /** First fit, growing the memory at its top when nothing fits. */
  private take(bytes: number): number {
    const size = align(bytes);
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.size < size) continue;
      const at = f.at;
      if (f.size === size) this.free.splice(i, 1);
      else {
        f.at += size;
        f.size -= size;
      }
      return at;
    }
    const end = this.memory.buffer.byteLength;
    const last = this.free[this.free.length - 1];
    const from = last !== undefined && last.at + last.size === end ? last.at : end;
    try {
      this.memory.grow(Math.ceil((from + size - end) / PAGE));
    } catch {
      return -1;
    }
    const grown = this.memory.buffer.byteLength;
    if (from !== end) this.free.pop();
    if (grown > from + size) this.free.push({ at: from + size, size: grown - from - size });
    return from;
  }

  /** Puts [at, at + size) back on the free list, merged with the runs it touches. */
  private release(at: number, size: number): void {
    let i = 0;
    while (i < this.free.length && this.free[i].at < at) i++;
    const before = this.free[i - 1];
    const after = this.free[i];
    if (before !== undefined && before.at + before.size === at) {
      before.size += size;
      if (after !== undefined && before.at + before.size === after.at) {
        before.size += after.size;
        this.free.splice(i, 1);
      }
    } else if (after !== undefined && at + size === after.at) {
      after.at = at;
      after.size += size;
    } else {
      this.free.splice(i, 0, { at, size });
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
