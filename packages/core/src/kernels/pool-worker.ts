/**
 * A worker of the kernels' thread pool (pool.ts), in Node (`worker_threads`, started with its
 * WorkerInit as workerData) and in a page (a module Web Worker, sent its WorkerInit as its
 * first message). It instantiates the compiled kernels over the shared memory, stores READY,
 * and from then on only waits on the control block and runs its share of each job it is
 * stamped for: it never needs its event loop again. It leaves after IDLE_MS without a job.
 */
import { CONTROL, IDLE_MS, STATE, type WorkerInit } from './pool-control.js';

interface ShareExports {
  packBytes(): number;
  gemmShare(task: number, part: number, parts: number, pack: number): void;
}

interface WasmApi {
  Instance: new (module: object, imports: object) => { exports: object };
}

function run(init: WorkerInit): void {
  const c = new Int32Array(init.control);
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const state = CONTROL.SLOT + init.slot * CONTROL.SLOT_WORDS + CONTROL.STATE;
  const kernels = init.modules.map((m) => (m === null ? null : (new api.Instance(m, { env: { memory: init.memory, exp: Math.exp } }).exports as ShareExports)));
  let seen = Atomics.load(c, CONTROL.GEN);
  Atomics.store(c, state, STATE.READY);
  for (;;) {
    if (Atomics.wait(c, CONTROL.GEN, seen, IDLE_MS) === 'timed-out') {
      if (Atomics.compareExchange(c, state, STATE.READY, STATE.LEFT) === STATE.READY) return;
      continue;
    }
    seen = Atomics.load(c, CONTROL.GEN);
    const slot = CONTROL.SLOT + init.slot * CONTROL.SLOT_WORDS;
    if (Atomics.load(c, state) !== STATE.BUSY || Atomics.load(c, slot + CONTROL.JOB) !== seen) continue;
    const part = c[slot + CONTROL.PART];
    try {
      if (part === 1) {
        const fault = Atomics.exchange(c, CONTROL.FAULT, 0);
        if (fault === 1) throw new Error('injected fault');
        if (fault === 2) return;
      }
      const k = kernels[c[CONTROL.VARIANT]];
      if (k === null || k === undefined) throw new Error(`no kernels of variant ${c[CONTROL.VARIANT]}`);
      k.gemmShare(c[CONTROL.TASK], part, c[CONTROL.PARTS], c[CONTROL.PACK] + part * k.packBytes());
      Atomics.store(c, state, STATE.READY);
    } catch {
      Atomics.store(c, state, STATE.FAILED);
      Atomics.notify(c, state);
      return;
    }
    Atomics.notify(c, state);
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
