/**
 * A worker of the kernels' thread pool (pool.ts), in Node (`worker_threads`, started with its
 * WorkerInit as workerData) and in a page (a module Web Worker, sent its WorkerInit as its
 * first message). It instantiates the compiled kernels over the shared memory, stores READY,
 * and from then on only waits on the control block and claims units of each job (blocks of a
 * product or of an Adam update, as its KIND word says): it never needs its event loop again.
 * It leaves after IDLE_MS without a job.
 */
import { CONTROL, IDLE_MS, JOB, STATE, Watch, claimSize, claimTag, type WorkerInit } from './pool-control.js';

interface UnitExports {
  packBytes(): number;
  gemmUnits(task: number, first: number, end: number, pack: number): void;
  adamUnits(task: number, first: number, end: number): void;
}

interface WasmApi {
  Instance: new (module: object, imports: object) => { exports: object };
}

function run(init: WorkerInit): void {
  const c = new Int32Array(init.control);
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const state = CONTROL.SLOT + init.slot;
  const kernels = init.modules.map((m) => (m === null ? null : (new api.Instance(m, { env: { memory: init.memory, exp: Math.exp } }).exports as UnitExports)));
  const memory = init.memory as { buffer: SharedArrayBuffer };
  /** The memory as Int32 words (for the run words), renewed when it has grown past the view. */
  let words = new Int32Array(memory.buffer);
  let seen = Atomics.load(c, CONTROL.GEN);
  Atomics.store(c, state, STATE.READY);
  for (;;) {
    if (Atomics.wait(c, CONTROL.GEN, seen, IDLE_MS) === 'timed-out') {
      if (Atomics.compareExchange(c, state, STATE.READY, STATE.LEFT) === STATE.READY) return;
      continue;
    }
    seen = Atomics.load(c, CONTROL.GEN);
    if (init.slot >= Atomics.load(c, CONTROL.THREADS)) continue;
    const tag = claimTag(seen);
    for (;;) {
      const word = Atomics.load(c, CONTROL.CLAIM);
      const next = word & 0xffff;
      const units = Atomics.load(c, CONTROL.UNITS);
      if ((word & ~0xffff) !== tag || next >= units) break;
      const phase = Atomics.load(c, CONTROL.PHASE);
      const size = claimSize(next, units, phase, Atomics.load(c, CONTROL.THREADS));
      if (Atomics.compareExchange(c, CONTROL.CLAIM, word, word + size) !== word) continue;
      // The units are ours, so their job is still running and its words are the job's. Units
      // past the first phase wait for all of its units (B packed), watching before blocking
      // (Watch): the calling thread tears the pool down if they never come, which ends this wait.
      if (next >= phase && Atomics.load(c, CONTROL.DONE) < phase) {
        const watch = new Watch();
        for (let done = Atomics.load(c, CONTROL.DONE); done < phase; done = Atomics.load(c, CONTROL.DONE)) {
          if (!watch.again()) Atomics.wait(c, CONTROL.DONE, done);
        }
      }
      try {
        if (init.slot === 1) {
          const fault = Atomics.exchange(c, CONTROL.FAULT, 0);
          if (fault === 1) throw new Error('injected fault');
          if (fault === 2) return;
        }
        const k = kernels[c[CONTROL.VARIANT]];
        if (k === null || k === undefined) throw new Error(`no kernels of variant ${c[CONTROL.VARIANT]}`);
        if (c[CONTROL.KIND] === JOB.ADAM) k.adamUnits(c[CONTROL.TASK], next, next + size);
        else k.gemmUnits(c[CONTROL.TASK], next, next + size, c[CONTROL.PACK] + init.slot * k.packBytes());
      } catch {
        Atomics.store(c, state, STATE.FAILED);
        Atomics.store(c, CONTROL.FAILED, 1);
        Atomics.notify(c, CONTROL.DONE);
        return;
      }
      const runs = c[CONTROL.RUNS] / 4;
      if (runs > 0) {
        if (runs + next >= words.length) words = new Int32Array(memory.buffer);
        Atomics.store(words, runs + next, next + size);
      }
      Atomics.add(c, CONTROL.DONE, size);
      Atomics.notify(c, CONTROL.DONE);
    }
  }
}

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
}
const threads = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule?.('node:worker_threads') as { workerData?: WorkerInit } | undefined;
if (threads?.workerData !== undefined) {
  run(threads.workerData);
} else {
  const scope = globalThis as unknown as { onmessage: ((e: { data: WorkerInit }) => void) | null; close(): void };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    run(e.data);
    scope.close();
  };
}
