/**
 * The words the kernels' thread pool (pool.ts) and its workers (pool-worker.ts) share: the
 * layout of the control block and the states of a worker.
 */

/** The most threads setNumThreads accepts (the main thread and 63 workers). */
export const MAX_THREADS = 64;

/** A worker with no job for this long leaves; the next product worth splitting starts another. */
export const IDLE_MS = 10_000;

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
 * How many units a thread claims when `left` are left: a share of what is left (guided
 * scheduling), so claims start large and end a unit at a time, and a thread the system runs
 * slowly holds little of the product at the end.
 */
export function claimSize(left: number, threads: number): number {
  return Math.max(1, Math.floor(left / (2 * threads)));
}
