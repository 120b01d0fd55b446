/**
 * Fresh zeroed Float64Arrays for tensors' data. A typed array over 64 bytes gets a backing
 * store of its own outside V8's heap, which measured 0.75–1.9 µs for 16–512 elements on this
 * machine (Node 20), against 0.04 µs for a view on an existing buffer. For the small tensors of
 * an MLP step that allocation was most of an op's cost, so small arrays are views handed out
 * from 32 KB slabs instead (as PyTorch's caching allocator serves small blocks from larger
 * ones). A slab is garbage once every view of it is; a small tensor kept alive keeps its slab.
 * Each region is handed out once, from a fresh (zeroed) buffer, so every array starts at zeros.
 */
import { allocateResident } from './resident.js';

/** Bytes per slab. */
const SLAB_BYTES = 1 << 15;
/** Arrays of this many elements and fewer (but more than 8, which V8 keeps on its heap) come from a slab. */
const SMALL = 512;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;
/** The plan serving allocations now, if a program runs under one (see BufferPlan). */
let plan: BufferPlan | undefined;

/** A zeroed Float64Array of n elements (a view on a shared slab when n is small). */
export function allocate(n: number): Float64Array {
  if (plan !== undefined) return plan.take(n, true);
  return fresh(n);
}

function fresh(n: number): Float64Array {
  if (n <= 8 || n > SMALL) return new Float64Array(n);
  const bytes = n * 8;
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const out = new Float64Array(slab, used, n);
  used += bytes;
  return out;
}

/** Node's Buffer, where there is one: the only way JavaScript gets memory that is not zeroed. */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): { buffer: ArrayBuffer; byteOffset: number } } }).Buffer;

/**
 * A Float64Array of n elements whose contents are unspecified, for a caller that writes every
 * element before anything reads one (the jit's fused loops). Under Node a large one is not
 * zeroed first: a fresh zeroed 10 MB array and its first pass measured 3.9 ms (median, 1.5
 * best) against 1.3 ms (1.1) unzeroed, on this machine. Elsewhere, and for small n, it is
 * `allocate(n)`.
 */
export function allocateUnfilled(n: number): Float64Array {
  if (plan !== undefined) return plan.take(n, false);
  if (n <= SMALL || NodeBuffer === undefined) return fresh(n);
  const b = NodeBuffer.allocUnsafeSlow(8 * n);
  return new Float64Array(b.buffer, b.byteOffset, n);
}

/**
 * The arrays one run of a program allocates, handed out again in the same order to each later
 * run (`plan.run(fn)`): a program whose allocations depend only on its shapes — a jitted
 * training step, straight-line code over tensors of fixed shapes — allocates nothing after the
 * run that made its plan, as XLA plans a compiled program's buffers once. The price is
 * ownership: every array a run returns is overwritten by the next run, so the caller must be
 * done with the results (read the loss, applied the gradients) before running again. An
 * allocation that differs from the plan's at its position (another shape, a retrace) replaces
 * the plan from there on, so a plan is never wrong, only re-made.
 *
 * A plan is long-lived, so its arrays are resident (resident.ts) where the kernels have shared
 * memory: products read and write them where they lie, and the Adam kernel reads a jitted
 * step's gradients in place.
 */
export class BufferPlan {
  private readonly buffers: Float64Array[] = [];
  private next = 0;

  /** Arrays the plan holds. */
  get size(): number {
    return this.buffers.length;
  }

  /** Runs fn with allocate and allocateUnfilled served from this plan. */
  run<T>(fn: () => T): T {
    const outer = plan;
    plan = this;
    this.next = 0;
    try {
      return fn();
    } finally {
      plan = outer;
    }
  }

  /** The next array of the plan (zeroed when `zero`), or a new one that replaces it. */
  take(n: number, zero: boolean): Float64Array {
    const k = this.next++;
    const known = this.buffers[k];
    if (known !== undefined && known.length === n) return zero ? known.fill(0) : known;
    this.buffers.length = k;
    const made = allocateResident(n);
    this.buffers.push(made);
    return made;
  }
}
