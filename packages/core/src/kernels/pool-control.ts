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

/** Control block words. Worker w (1 … MAX_THREADS − 1) has SLOT_WORDS words from SLOT + w·SLOT_WORDS. */
export const CONTROL = {
  /** Generation: bumped once per job; workers wait on it. */
  GEN: 0,
  /** Which compiled module runs the job: an index into WorkerInit.modules. */
  VARIANT: 1,
  /** Byte address of the task words in the WebAssembly memory. */
  TASK: 2,
  /** How many shares the job has. */
  PARTS: 3,
  /** Byte address of share 0's pack region; share p's is PACK + p·packBytes(). */
  PACK: 4,
  /** Test hook: 1 makes the worker running share 1 throw, 2 makes it leave without a word. */
  FAULT: 5,
  /** A word that stays 0: probing whether this thread may block. */
  PROBE: 6,
  SLOT: 8,
  SLOT_WORDS: 4,
  /** Slot words: STATE (below), PART (the share it runs), JOB (the generation it runs it for). */
  STATE: 0,
  PART: 1,
  JOB: 2,
} as const;

/** Worker states (slot word STATE). */
export const STATE = { STARTING: 0, READY: 1, BUSY: 2, LEFT: 3, FAILED: 4 } as const;
