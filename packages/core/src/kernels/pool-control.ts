/**
 * The words the kernels' thread pool (pool.ts) and its workers (pool-worker.ts) share: the
 * layout of the control block and the states of a worker.
 */

/** The most threads setNumThreads accepts (the main thread and 63 workers). */
export const MAX_THREADS = 64;

/** A worker with no job for this long leaves; the next product worth splitting starts another. */
export const IDLE_MS = 10_000;

/**
 * After a job a worker watches for the next one this long before it blocks in Atomics.wait,
 * and a thread waiting for units inside a job watches as long before it blocks. Waking a
 * thread blocked in Atomics.wait and hearing back took 42–52 µs (median; 10–15 µs on the VM of
 * an earlier session), while the products of a training step or a loop follow each other within
 * a millisecond: a 128³ product on 2 threads took 66 µs longer after 5 ms idle than right after
 * another, a 512³ one 208 µs longer (`pnpm bench threads`, 2-vCPU VM). The price is up to a
 * millisecond of a core after each job; OpenMP runtimes spin before blocking too (LLVM's and
 * Intel's for KMP_BLOCKTIME, 200 ms by default; GCC's for GOMP_SPINCOUNT iterations).
 */
export const SPIN_MS = 1;

/** What a worker needs to join: the memory, the compiled modules, the control block, its slot. */
export interface WorkerInit {
  memory: object;
  /** The compiled kernels over shared memory: [plain SIMD, relaxed SIMD] (null where it does not validate). */
  modules: (object | null)[];
  control: SharedArrayBuffer;
  slot: number;
}

/** Control block words: the job's, then one word per worker slot (slot w at SLOT + w). */
export const CONTROL = {
  /** Generation: bumped once per job; idle workers wait on it. */
  GEN: 0,
  /**
   * The units of the job are claimed here: (generation mod 2¹⁵)·2¹⁶ + the next unclaimed
   * unit, advanced by compare-and-swap (see claimSize), so a worker that wakes late can claim
   * nothing of a later job.
   */
  CLAIM: 1,
  /** Units finished; the calling thread waits on it. */
  DONE: 2,
  /** How many units the job has (at most MAX_UNITS). */
  UNITS: 4,
  /** Byte address of the task words in the WebAssembly memory. */
  TASK: 5,
  /** Byte address of slot 0's pack region (the calling thread's); slot w's is PACK + w·packBytes(). */
  PACK: 6,
  /** Which compiled module runs the job: an index into WorkerInit.modules. */
  VARIANT: 7,
  /** Workers of slots below this take part (the thread count; claimSize divides by it). */
  THREADS: 8,
  /** Set by a worker that threw: the job cannot finish. */
  FAILED: 9,
  /** Test hook: 1 makes the worker of slot 1 throw on the units it claims, 2 leave with them. */
  FAULT: 10,
  /** A word that stays 0: probing whether this thread may block. */
  PROBE: 11,
  /** What the units are: a JOB kind. */
  KIND: 12,
  /**
   * Units below this (packing B: assembly/gemm.ts) must all be done before any later unit
   * starts; 0 for a job without such a first phase. A claim never spans it (claimSize).
   */
  PHASE: 13,
  /**
   * 0, or the byte address in the WebAssembly memory of one Int32 word per unit: a thread that
   * finishes the run of units first … end − 1 stores `end` at word `first`, so the calling
   * thread can copy the finished blocks of C out while the others compute (wasm.ts).
   */
  RUNS: 14,
  /** Word of slot w's state: SLOT + w. */
  SLOT: 16,
} as const;

/** Kinds of job (the KIND word): blocks of a product (gemmUnits), blocks of an Adam update (adamUnits). */
export const JOB = { MATMUL: 0, ADAM: 1 } as const;

/** Worker states (its slot word). */
export const STATE = { STARTING: 0, READY: 1, LEFT: 2, FAILED: 3 } as const;

/** The most units a job may have: the claim word holds the next one in 16 bits. */
export const MAX_UNITS = 0xffff;

/** The generation's tag in the claim word. */
export function claimTag(gen: number): number {
  return (gen & 0x7fff) << 16;
}

/**
 * How many units a thread claims when the next unclaimed one is `next`: a share of what is left
 * of its phase (guided scheduling), so claims start large and end a unit at a time, a thread
 * the system runs slowly holds little of the job at the end, and no claim spans `phase` (the
 * first phase's units, packing B, are spread over the threads too).
 */
export function claimSize(next: number, units: number, phase: number, threads: number): number {
  const end = next < phase ? phase : units;
  return Math.max(1, Math.floor((end - next) / (2 * threads)));
}
