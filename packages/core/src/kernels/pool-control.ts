/**
 * The words the kernels' thread pool (pool.ts) and its workers (pool-worker.ts) share: the
 * layout of the control block and the states of a worker.
 */

/** The most threads setNumThreads accepts (the main thread and 63 workers). */
export const MAX_THREADS = 64;

/** A worker with no job for this long leaves; the next product worth splitting starts another. */
export const IDLE_MS = 10_000;

/**
 * A thread waiting inside a job for units in other hands (the end of the first phase, or the
 * job's last units) watches the control word this long before it blocks in Atomics.wait: the
 * other threads are computing, and waking a blocked thread and hearing back took 42–52 µs here
 * (median, `pnpm bench threads`, 2-vCPU VM; 10–15 µs on the VM of an earlier session), a
 * quarter of a 128³ product. Between jobs workers block at once: watching for the next job
 * measured no faster through `pnpm bench matmul` (128³ … 512³, two runs each) and takes a
 * core from everything else.
 */
export const SPIN_MS = 1;

/**
 * A gap this long between two looks of a watching thread means it was taken off its core (the
 * system's time slices are milliseconds): the machine has no core to spare, and watching would
 * only take time from the thread with the work, so it blocks. An earlier session measured 128³
 * on 2 threads 30 % slower with 100–200 µs of watching while other processes kept a core busy;
 * with this rule, 2 threads against one with another process keeping a core busy were within
 * the noise of never watching (two runs each: 128³ 0.62–0.85× against 0.68–0.83×, the MLP's
 * ȳᵀ·x 0.94–1.04× against 0.93–1.05×, 512³ 0.96–0.98× against 1.05×). A look takes well under a
 * µs; a pause of the engine (a collection, a compilation) longer than this only ends the watch
 * early, as blocking at once would.
 */
export const PREEMPTED_MS = 0.5;

/** When a waiting thread stops watching and blocks (SPIN_MS, PREEMPTED_MS). */
export class Watch {
  private last = performance.now();
  private until: number;

  /** A watch of at most `ms` from now (SPIN_MS unless a test says otherwise). */
  constructor(ms = SPIN_MS) {
    this.until = this.last + ms;
  }

  /** Whether to look again rather than block. */
  again(): boolean {
    const now = performance.now();
    if (now - this.last > PREEMPTED_MS) this.until = now;
    this.last = now;
    return now < this.until;
  }

  /** The thread did some work since its last look (not a gap in its looks). */
  resume(): void {
    this.last = performance.now();
  }
}

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
