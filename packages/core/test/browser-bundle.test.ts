/**
 * The built package as a browser bundle: esbuild (the one tsx ships) bundles dist/ for the
 * browser, and the bundle runs in a bare V8 context that has none of Node's globals (no
 * process, no Buffer, no require), only what a page has that the kernels use. The WebAssembly
 * kernels must load there from the bundle itself (no fetch, no file), and a page without
 * WebAssembly must fall back to JavaScript. Runs on dist/, so `tsc -b` must run first (the
 * test command does).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import vm from 'node:vm';

const pkg = join(__dirname, '..');

interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] };
}

function bundle(): string {
  const root = createRequire(join(pkg, '..', '..', 'package.json'));
  const esbuild = createRequire(root.resolve('tsx/package.json'))('esbuild') as Esbuild;
  const entry = `
    import { kernels, matmul, randn, setKernels, tensor } from './dist/index.js';
    const a = tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]);
    const path = kernels();
    // 40×30·30×20 is above the size from which 'auto' takes the WebAssembly kernel.
    const x = randn([40, 30], { seed: 1 });
    const y = randn([30, 20], { seed: 2 });
    const fast = matmul(x, y).toArray().flat();
    setKernels('js');
    const slow = matmul(x, y).toArray().flat();
    const gap = Math.max(...fast.map((v, i) => Math.abs(v - slow[i])));
    globalThis.result = { path, product: matmul(a, a).toArray(), gap };
  `;
  const { outputFiles } = esbuild.buildSync({
    stdin: { contents: entry, resolveDir: pkg, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  return outputFiles[0].text;
}

interface Result {
  path: string;
  product: number[][];
  /** Largest difference between the default path's 40×30·30×20 product and the JavaScript kernel's. */
  gap: number;
}

function run(code: string, globals: Record<string, unknown>): Result {
  const context = vm.createContext({ ...globals, result: undefined });
  vm.runInContext(code, context);
  return context.result as Result;
}

describe('the built package in a browser bundle', () => {
  let code = '';
  beforeAll(() => {
    if (!existsSync(join(pkg, 'dist', 'index.js'))) {
      throw new Error('packages/core/dist is missing: build first with `tsc -b` (the test script does)');
    }
    code = bundle();
  });

  const want = [
    [90, 100, 110, 120],
    [202, 228, 254, 280],
    [314, 356, 398, 440],
    [426, 484, 542, 600],
  ];

  test('loads the WebAssembly kernels from the bundle alone, with no Node globals', () => {
    const r = run(code, { WebAssembly: (globalThis as { WebAssembly?: unknown }).WebAssembly, atob });
    expect(r.path).toBe('wasm');
    expect(r.product).toEqual(want);
    expect(r.gap).toBeLessThan(1e-12);
  });

  test('falls back to JavaScript on a page without WebAssembly', () => {
    // A V8 context has its own WebAssembly object; the page without one is modelled by hiding it.
    const r = run(code, { WebAssembly: undefined, atob });
    expect(r.path).toBe('js');
    expect(r.product).toEqual(want);
    expect(r.gap).toBe(0);
  });
});
