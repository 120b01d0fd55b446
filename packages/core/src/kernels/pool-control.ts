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
   * The chunks of the job are claimed here: (generation mod 2²³)·256 + the next unclaimed
   * chunk, advanced by compare-and-swap, so a worker that wakes late can claim nothing of a
   * later job.
   */
  CLAIM: 1,
  /** Chunks finished; the calling thread waits on it. */
  DONE: 2,
  /** How many chunks the job has (at most 255); chunk i is units ⌊i·U/C⌋ … ⌊(i+1)·U/C⌋ − 1. */
  CHUNKS: 3,
  /** How many units the job has (U). */
  UNITS: 4,
  /** Byte address of the task words in the WebAssembly memory. */
  TASK: 5,
  /** Byte address of slot 0's pack region (the calling thread's); slot w's is PACK + w·packBytes(). */
  PACK: 6,
  /** Which compiled module runs the job: an index into WorkerInit.modules. */
  VARIANT: 7,
  /** Workers of slots below this take part (the thread count). */
  THREADS: 8,
  /** Set by a worker that threw: the job cannot finish. */
  FAILED: 9,
  /** Test hook: 1 makes the worker of slot 1 throw on the chunk it claims, 2 leave with it. */
  FAULT: 10,
  /** A word that stays 0: probing whether this thread may block. */
  PROBE: 11,
  /** Word of slot w's state: SLOT + w. */
  SLOT: 16,
} as const;

/** Worker states (its slot word). */
export const STATE = { STARTING: 0, READY: 1, LEFT: 2, FAILED: 3 } as const;

/** Chunks and units: the first unit of chunk `chunk` of `chunks` over `units`. */
export function chunkStart(chunk: number, chunks: number, units: number): number {
  return Math.floor((chunk * units) / chunks);
}
