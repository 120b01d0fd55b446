/**
 * Resident arrays: Float64Arrays of long-lived tensors whose lifetime the library owns
 * (parameters, optimizer state, the buffers a BufferPlan keeps), placed in the kernels' shared
 * WebAssembly memory so that products read and write them where they lie and the Adam kernel
 * updates them in place: a training step then copies only its activations (wasm.ts).
 *
 * They are ordinary Float64Arrays to every other line of the library (views on the memory's
 * SharedArrayBuffer; a JavaScript loop over one measured as fast as over a plain array, Node 20),
 * and memory follows reachability: no dispose. Each block is returned to the arena by a
 * FinalizationRegistry when the Float64Array handed out is collected. The rule that follows:
 * whatever keeps a resident array's numbers must keep that array (a Tensor over it, a view made
 * with Tensor.view or a reshape/transpose of one). A `subarray()` of it, or a Float64Array made
 * on its `.buffer`, does not keep the block alive and must not outlive it: the library makes
 * such views only for the length of one call (gradients read in place, rows of a reduction).
 *
 * Where there is no shared memory (a page that is not cross-origin isolated), the kernels do not
 * load, or the kernel path is 'js', an array is a plain one, as are all arrays past the cap:
 * the same numbers, only copied by the kernels. The cap bounds the pool because V8 does not count
 * the shared memory as memory pressure (process.memoryUsage().arrayBuffers does not see it), so
 * the finalizers of dropped models may run late (only once the event loop turns); past the cap
 * arrays are plain and the garbage collector sees them as usual.
 */
import { kernels } from './paths.js';
import { residentArena } from './wasm.js';

/**
 * Resident bytes at most: 128 MiB, room for a model of about 4 million parameters with its
 * gradients and Adam's two moments (32 bytes a parameter), a small part of the memory's 1,088 MiB
 * maximum (what the products' scratch needs, up to 1 GiB, comes from the same memory), and a
 * bound on what late finalizers can leave in use: a loop that drops models without ever
 * yielding to the event loop holds at most this much before it falls back to plain arrays.
 */
const DEFAULT_CAP = 128 * 2 ** 20;

let cap = DEFAULT_CAP;

interface Block {
  readonly at: number;
  readonly bytes: number;
}

const blocks = new FinalizationRegistry<Block>(({ at, bytes }) => residentArena()?.freeResident(at, bytes));

/**
 * A zeroed Float64Array of n elements, resident in the kernels' shared memory where there is
 * one and the pool has room, else a plain array. The block comes back when the array is
 * collected (see the rule above on views of it).
 */
export function allocateResident(n: number): Float64Array {
  if (n === 0 || kernels() === 'js') return new Float64Array(n);
  const arena = residentArena();
  if (arena === null) return new Float64Array(n);
  const bytes = 8 * n;
  const at = arena.allocate(bytes, cap);
  if (at < 0) return new Float64Array(n);
  const out = arena.view(at, n);
  out.fill(0);
  blocks.register(out, { at, bytes });
  return out;
}

/** Whether x lies in the kernels' shared memory (a resident array or a view of one). */
export function isResident(x: Float64Array): boolean {
  const arena = residentArena();
  return arena !== null && arena.addressOf(x) >= 0;
}

/** Bytes of resident blocks in use now (what the memory probe watches). */
export function residentBytes(): number {
  return residentArena()?.residentBytes ?? 0;
}

/** Bytes of the kernels' shared memory (scratch, residents and free runs: its high-water mark, as it never shrinks); 0 before its first use. */
export function sharedMemoryBytes(): number {
  return residentArena()?.memory.buffer.byteLength ?? 0;
}

/**
 * For tests: sets the resident cap in bytes (undefined: the default, 128 MiB) and returns the
 * previous one. A cap of 0 makes every new array plain.
 */
export function setResidentCap(bytes: number | undefined): number {
  const previous = cap;
  cap = bytes ?? DEFAULT_CAP;
  return previous;
}
