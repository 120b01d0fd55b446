/**
 * Starts a worker of the kernels' thread pool in a page: a module Web Worker running
 * pool-worker.js, a file of this package. `new Worker(new URL('./pool-worker.js',
 * import.meta.url))` is the form bundlers (Vite, webpack, esbuild's users) recognise and emit
 * the worker file for, and a page under `script-src 'self'` loads it (no blob, no data: URL).
 * Loaded only in a page, by a dynamic import from pool.ts.
 */
import type { WorkerInit } from './pool-control.js';

interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onerror: (() => void) | null;
}

/** The page's Worker constructor (this package's lib has no DOM types). */
declare const Worker: new (url: URL, options: { type: 'module' }) => WebWorker;

/** A module worker joined to the pool with `init`; `lost` runs if it fails to load or throws. */
export function spawnWebWorker(init: WorkerInit, lost: () => void): WebWorker {
  // Written out as bundlers look for it, so that they emit pool-worker.js with the bundle.
  const worker = new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module' });
  worker.onerror = lost;
  worker.postMessage(init);
  return worker;
}
