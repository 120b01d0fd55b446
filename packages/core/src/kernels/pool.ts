/**
 * The kernels' thread pool: workers that compute blocks of a product over the WebAssembly memory
 * they share with the calling thread (wasm.ts cuts a product into blocks; assembly/gemm.ts says
 * why any assignment of blocks to threads gives the same bits).
 *
 * - Workers are `worker_threads` in Node (reached through `process.getBuiltinModule`, so this
 *   entry imports no Node builtin) and module Web Workers in a page that is cross-origin
 *   isolated; both run pool-worker.js, a file of this package (no blob, no data: URL, so a
 *   `script-src 'self'` page loads it). They start on the first product worth splitting, and
 *   that product and the next ones run with the workers that are ready (none at first): a
 *   worker that is still starting is never waited for. Node workers are `unref()`ed, so they
 *   never keep a process alive, and a worker idle for IDLE_MS leaves (the next product
 *   starts another).
 * - A job is a list of units (blocks of C, and before them the blocks of B to pack) in a small
 *   control block of Int32 words in a SharedArrayBuffer (CONTROL): the calling thread writes
 *   the job, bumps GEN and wakes the workers, and then every thread, the calling one
 *   included, claims the next run of units by compare-and-swap until none is left, a share of
 *   what is left each time (guided scheduling). Who computes a unit changes nothing in its
 *   bits, and a worker that the system does not schedule in time (a busy machine) only leaves
 *   its share to the others. The calling thread then waits for the units in other hands
 *   (copying finished blocks of C out as they come): watching DONE for up to SPIN_MS, then
 *   with `Atomics.wait` where it may block (Node, a worker), spinning on `Atomics.load` in a
 *   page. Units of a first phase (packing B) must all be done before any later unit starts;
 *   threads that claim a later one wait the same way.
 * - A worker that throws stores FAILED; one that dies or hangs with units is caught by the
 *   deadline. Both surface as a ThreadError in the caller, after which the pool is torn down
 *   and the next product starts a new one.
 */
import { ThreadError, ValueError } from '../errors.js';
import { CONTROL, MAX_THREADS, STATE, Watch, claimSize, claimTag, type WorkerInit } from './pool-control.js';

/** The part of a Node `Worker` or a Web `Worker` the pool uses. */
interface WorkerHandle {
  terminate(): unknown;
}

/**
 * The default thread count is the cores the engine reports, at most this many. A 2-core
 * machine cannot measure past 2 threads, so the cap is argued from what it can measure
 * (`pnpm bench threads`, bench/README.md):
 * - A job costs every thread a wake-up: waking a worker blocked in Atomics.wait and hearing
 *   back took 10–15 µs (median) here, 20 µs to 2 ms at the 90th percentile when other
 *   processes held the cores. A thread's share of a product should be several wake-ups: the
 *   784-128-10 MLP's products (batch 64) take 0.5–0.65 ms on one thread, so 8 threads give each
 *   about 70 µs (5–7 wake-ups), and 16 would give 35 µs, about one late wake-up; with guided
 *   claims the threads already running would take most of it anyway, and the others would
 *   only burn their wake-ups.
 * - Engines report logical CPUs (hardware threads). Two hardware threads of one core share its
 *   FMA units, which the micro-kernel keeps busy, so 8 is the cores of a 16-thread part.
 *   ONNX Runtime Web defaults to half of navigator.hardwareConcurrency, at most 4; TF.js's
 *   WASM backend once took half the logical cores, at most 4 ("many x86-64 processors have 2
 *   threads per core"), and takes all of them in 4.22.
 * - Each thread has its pack region (640 KiB) in the shared memory.
 * Large products (512³: 11 ms on one thread) could use more: setNumThreads or AD_THREADS.
 */
const DEFAULT_CAP = 8;
/** The shortest wait for a worker before it counts as dead: shares take microseconds to seconds. */
const MIN_DEADLINE_MS = 10_000;

interface Pool {
  control: Int32Array;
  init: Omit<WorkerInit, 'slot'>;
  workers: (WorkerHandle | undefined)[];
  canBlock: boolean;
  /** A worker failed to start: this pool runs on one thread. */
  cannotStart: boolean;
}

let pool: Pool | undefined;
let threads = 1;
let deadlineMs = MIN_DEADLINE_MS;
let workersFirst = false;
/** Jobs run with workers ready, and the units workers computed: what tests read to see threads at work. */
const counts = { jobs: 0, byWorkers: 0 };

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
  env?: Record<string, string | undefined>;
}
const nodeProcess = (globalThis as { process?: NodeProcess }).process;

/** The cores the engine reports: os.availableParallelism() in Node, navigator.hardwareConcurrency in a page. */
function reportedCores(): number {
  const os = nodeProcess?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof cores === 'number' && Number.isInteger(cores) && cores >= 1 ? cores : 1;
}

/**
 * Sets how many threads the kernels use: the calling thread and n − 1 workers (as
 * `torch.set_num_threads`). Every result is bit-for-bit the same for any n; n only changes the
 * speed. Where the engine has no shared memory (a page that is not cross-origin isolated)
 * products run on one thread whatever n is. The default is the cores the engine reports, at
 * most 8 (a thread's share of the MLP's products stays several times what waking it costs;
 * see the core README), or the environment variable AD_THREADS where there is one.
 *
 * @param n - a whole number from 1 to 64
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ValueError('setNumThreads', `expects a whole number of threads from 1 to ${MAX_THREADS}, got ${typeof n === 'number' ? n : JSON.stringify(n)}`);
  }
  threads = n;
}

/** The number of threads the kernels use (see setNumThreads). */
export function getNumThreads(): number {
  return threads;
}

/** This module's file (a path or a file: URL), from V8's call sites: see pool-worker's location. */
function thisFile(): string | undefined {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.stackTraceLimit = 1;
    const frames = new Error().stack as unknown as { getFileName(): string | undefined }[] | undefined;
    return Array.isArray(frames) ? (frames[0]?.getFileName() ?? undefined) : undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/**
 * pool-worker.js beside this file. `import.meta.url` would say where this file is in the ES
 * module build but is a syntax error where the sources run as CommonJS (jest); V8's call sites
 * give it in both. Under jest this file is src/kernels/pool.ts, whose worker is the built one
 * in dist/ (a worker cannot run TypeScript), so the tests need `tsc -b` first, as the browser
 * tests do.
 */
function nodeWorkerFile(): URL | undefined {
  const file = thisFile();
  if (file === undefined) return undefined;
  const toUrl = (nodeProcess?.getBuiltinModule?.('node:url') as { pathToFileURL(path: string): URL } | undefined)?.pathToFileURL;
  const url = file.startsWith('file:') ? new URL(file) : toUrl !== undefined ? toUrl(file) : new URL(`file://${file}`);
  return url.pathname.endsWith('.ts') ? new URL('../../dist/kernels/pool-worker.js', url) : new URL('./pool-worker.js', url);
}

interface NodeWorker extends WorkerHandle {
  unref(): void;
  on(event: 'error' | 'exit', listener: () => void): void;
}

/** Starts the worker of `slot` (STARTING until it stores READY). */
function spawn(p: Pool, slot: number): void {
  const init: WorkerInit = { ...p.init, slot };
  const state = CONTROL.SLOT + slot;
  const lost = (handle: WorkerHandle) => () => {
    // A worker that leaves by itself first stores LEFT; any other end is a failure, unless
    // the slot already has another worker. One that never started will not start next time
    // either (no worker file, a page that refuses it): the pool stays on one thread.
    if (p.workers[slot] !== handle) return;
    if (Atomics.compareExchange(p.control, state, STATE.STARTING, STATE.FAILED) === STATE.STARTING) p.cannotStart = true;
    else Atomics.compareExchange(p.control, state, STATE.READY, STATE.FAILED);
  };
  const threadsModule = nodeProcess?.getBuiltinModule?.('node:worker_threads') as { Worker: new (file: URL, options: object) => NodeWorker } | undefined;
  Atomics.store(p.control, state, STATE.STARTING);
  if (threadsModule !== undefined) {
    const file = nodeWorkerFile();
    let worker: NodeWorker;
    try {
      if (file === undefined) throw new Error('no file');
      // The worker needs no options of this process's command line, and some refuse to start
      // a file (--input-type, as in `node --input-type=module -e …`).
      worker = new threadsModule.Worker(file, { workerData: init, execArgv: [] });
    } catch {
      p.cannotStart = true;
      return;
    }
    worker.unref();
    worker.on('error', lost(worker));
    worker.on('exit', lost(worker));
    p.workers[slot] = worker;
    return;
  }
  // In a page the spawner sits in its own module: `new URL(…, import.meta.url)` is how
  // bundlers find a worker file, and it cannot appear in a file the CommonJS tests load.
  const placeholder: WorkerHandle = { terminate: () => undefined };
  p.workers[slot] = placeholder;
  import('./pool-web.js').then(
    ({ spawnWebWorker }) => {
      if (p.workers[slot] !== placeholder) return;
      try {
        const worker = spawnWebWorker(init, () => lost(worker)());
        p.workers[slot] = worker;
      } catch {
        lost(placeholder)();
      }
    },
    () => lost(placeholder)(),
  );
}

/** Whether this thread may block in Atomics.wait (not a page's main thread). */
function probeBlocking(control: Int32Array): boolean {
  try {
    Atomics.wait(control, CONTROL.PROBE, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Tears the pool down: every worker is terminated; the next product starts a new pool. */
function stopPool(): void {
  if (pool === undefined) return;
  for (const w of pool.workers) w?.terminate();
  pool = undefined;
}

/**
 * How many workers (of the getNumThreads() − 1 wanted) are ready for a job now, starting the
 * pool, or workers that left or failed while idle, when there are fewer. `init` is what a
 * worker needs to join (its memory and modules: the same for the life of the pool). 0 when
 * one thread is asked for or no worker is ready yet.
 */
export function readyWorkers(init: Omit<WorkerInit, 'control' | 'slot'>): number {
  const wanted = threads - 1;
  if (wanted === 0) return 0;
  if (pool !== undefined && pool.init.memory !== init.memory) stopPool();
  if (pool === undefined) {
    const control = new SharedArrayBuffer(4 * (CONTROL.SLOT + MAX_THREADS));
    const words = new Int32Array(control);
    pool = { control: words, init: { ...init, control }, workers: [], canBlock: probeBlocking(words), cannotStart: false };
  }
  const p = pool;
  if (p.cannotStart) return 0;
  let ready = 0;
  for (let slot = 1; slot <= wanted; slot++) {
    const now = Atomics.load(p.control, CONTROL.SLOT + slot);
    if (now === STATE.READY) ready++;
    else if (p.workers[slot] === undefined || now === STATE.LEFT) spawn(p, slot);
    else if (now === STATE.FAILED) {
      // It failed while idle (it died between jobs): nothing was lost.
      p.workers[slot]?.terminate();
      spawn(p, slot);
    }
  }
  return ready;
}

/** One job for the pool: the `units` blocks of the task at byte `task` (at most MAX_UNITS). */
export interface Job {
  /** What the units are (JOB): blocks of a product, or of an Adam update. */
  kind: number;
  variant: number;
  task: number;
  pack: number;
  units: number;
  /** Units below this must all be done before a later one starts (CONTROL.PHASE); 0: none. */
  phase?: number;
  /** Byte address of the run words (CONTROL.RUNS), 0: none. */
  runs?: number;
}

/** What a job's caller may add: the end of a failure's message, and work for the waits. */
export interface JobOptions {
  /** What a failed job leaves behind, appended to the ThreadError's message. */
  leftBehind?: string;
  /**
   * Called on this thread after each of its runs and whenever other threads finish units while
   * it waits for them (the product copies finished blocks of C out then).
   */
  progress?: () => void;
}

/**
 * Runs a job on this thread and the ready workers: `own(first, end)` computes units first …
 * end − 1 on this thread (with slot 0's pack region), the workers call their module's
 * gemmUnits or adamUnits (the job's kind). Returns when every unit is done; throws a
 * ThreadError (naming `op`, and ending with `leftBehind`, if anything) when a worker failed
 * or did not finish its units by the deadline, after tearing the pool down so that the next
 * call starts afresh.
 */
export function runJob(op: string, job: Job, own: (first: number, end: number) => void, { leftBehind = '', progress }: JobOptions = {}): void {
  const p = pool;
  const phase = job.phase ?? 0;
  if (p === undefined) {
    if (phase > 0) own(0, phase);
    own(phase, job.units);
    progress?.();
    return;
  }
  const c = p.control;
  const gen = (c[CONTROL.GEN] + 1) | 0;
  const tag = claimTag(gen);
  c[CONTROL.KIND] = job.kind;
  c[CONTROL.VARIANT] = job.variant;
  c[CONTROL.TASK] = job.task;
  c[CONTROL.PACK] = job.pack;
  c[CONTROL.UNITS] = job.units;
  c[CONTROL.PHASE] = phase;
  c[CONTROL.RUNS] = job.runs ?? 0;
  c[CONTROL.THREADS] = threads;
  Atomics.store(c, CONTROL.DONE, 0);
  Atomics.store(c, CONTROL.CLAIM, tag);
  Atomics.store(c, CONTROL.GEN, gen);
  Atomics.notify(c, CONTROL.GEN);
  const start = performance.now();
  let failure: string | undefined;
  /**
   * Waits until `enough` units are done: false if a worker failed or the deadline passed (it
   * counts from the wait's start: at least deadlineMs, and 20 times what this thread has spent
   * on the job so far, as its share may be large). It watches DONE before it blocks (Watch:
   * a blocked thread wakes tens of µs late).
   */
  const waitDone = (enough: number): boolean => {
    const now = performance.now();
    const until = now + Math.max(deadlineMs, 20 * (now - start));
    const watch = new Watch();
    let done = Atomics.load(c, CONTROL.DONE);
    while (done < enough) {
      if (Atomics.load(c, CONTROL.FAILED) !== 0) {
        failure = 'a worker failed while computing its part';
        return false;
      }
      const left = until - performance.now();
      if (left <= 0) {
        failure = `${job.units - done} of ${job.units} blocks were not finished within ${Math.round(until - now)} ms (a worker died or hangs)`;
        return false;
      }
      if (!watch.again() && p.canBlock) Atomics.wait(c, CONTROL.DONE, done, left);
      const later = Atomics.load(c, CONTROL.DONE);
      if (later !== done) {
        progress?.();
        watch.resume();
      }
      done = later;
    }
    return true;
  };
  // Test hooks: leave the units to the workers until one has claimed some (the faulty worker
  // must get some; tests of the bits want the workers at work, even on a busy machine).
  if (workersFirst || Atomics.load(c, CONTROL.FAULT) !== 0) {
    while ((Atomics.load(c, CONTROL.CLAIM) & 0xffff) === 0 && performance.now() - start < deadlineMs) {
      if (p.canBlock) Atomics.wait(c, CONTROL.CLAIM, tag, 1);
    }
  }
  let mine = 0;
  try {
    for (;;) {
      const word = Atomics.load(c, CONTROL.CLAIM);
      const next = word & 0xffff;
      if (next >= job.units) break;
      const size = claimSize(next, job.units, phase, threads);
      if (Atomics.compareExchange(c, CONTROL.CLAIM, word, word + size) !== word) continue;
      // A unit past the first phase starts once all of that phase is done (B packed).
      if (next >= phase && phase > 0 && !waitDone(phase)) break;
      own(next, next + size);
      Atomics.add(c, CONTROL.DONE, size);
      // Workers waiting for the first phase to end wait on DONE.
      if (next < phase) Atomics.notify(c, CONTROL.DONE);
      mine += size;
      progress?.();
    }
  } finally {
    // The workers read and write the same scratch as the next call: wait for their units
    // even when this thread's threw (not when the pool is stopped: its workers are gone).
    if (failure === undefined) waitDone(job.units);
    if (failure !== undefined) stopPool();
  }
  counts.jobs++;
  counts.byWorkers += job.units - mine;
  if (failure !== undefined) throw new ThreadError(op, `${failure}; the thread pool was stopped and restarts on the next call${leftBehind}`);
}

/**
 * Test hooks: make the worker of slot 1 throw or leave silently on the next units it claims,
 * shorten the deadline, and see the pool. Not part of the public surface (reached through
 * @ad/core/engine).
 */
export const poolTesting = {
  /** 'throw': the worker of slot 1 throws on the next units it claims; 'die': it leaves with them. */
  injectFault(kind: 'throw' | 'die'): void {
    if (pool !== undefined) Atomics.store(pool.control, CONTROL.FAULT, kind === 'throw' ? 1 : 2);
  },
  /**
   * On: the calling thread leaves each job's units to the workers until one of them has
   * claimed one, so that every job really runs on more than one thread (off by default: the
   * calling thread starts at once).
   */
  setWorkersFirst(on: boolean): void {
    workersFirst = on;
  },
  /** Sets the shortest wait for a worker's units before they count as lost (default 10 s). */
  setDeadline(ms: number): void {
    deadlineMs = ms;
  },
  /** Slots of the workers ready for a job now. */
  readyWorkers(): number[] {
    const p = pool;
    if (p === undefined) return [];
    const ready: number[] = [];
    for (let slot = 1; slot < MAX_THREADS; slot++) {
      if (Atomics.load(p.control, CONTROL.SLOT + slot) === STATE.READY && p.workers[slot] !== undefined) ready.push(slot);
    }
    return ready;
  },
  /** How many jobs ran with workers ready so far, and how many of their units the workers computed. */
  counts(): { jobs: number; byWorkers: number } {
    return { ...counts };
  },
  /** Stops the pool now (as after a failure). */
  stop: stopPool,
};

const fromEnvironment = nodeProcess?.env?.AD_THREADS;
if (fromEnvironment !== undefined && fromEnvironment !== '') {
  const n = Number(fromEnvironment);
  try {
    setNumThreads(n);
  } catch (e) {
    throw new ValueError('AD_THREADS', e instanceof ValueError ? e.message : String(e));
  }
} else {
  threads = Math.min(reportedCores(), DEFAULT_CAP);
}
