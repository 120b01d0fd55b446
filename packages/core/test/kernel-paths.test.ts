/**
 * Choosing the kernel path (setKernels, kernels, AD_KERNELS), and what the WebAssembly path
 * does around the kernel: batched and broadcast products through the public matmul on every
 * path, views gathered instead of copied, memory that stops growing, and the committed
 * binaries being those their AssemblyScript source compiles to.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { ValueError, getNumThreads, kernels, matmul, randn, setKernels, setNumThreads, tensor, transpose, type KernelPath, type Tensor } from '@ad/core';
import { gemmBatch } from '../src/kernels/paths.js';
import { wasmMemoryBytes } from '../src/kernels/wasm.js';
import { cspForbiddingWebAssembly } from '@ad/test-support/webassembly';

setFlagsFromString('--experimental-wasm-relaxed-simd');
// Other test files that share this worker process get the engine's default back.
afterAll(() => setFlagsFromString('--no-experimental-wasm-relaxed-simd'));

const paths: KernelPath[] = ['js', 'wasm', 'wasm-relaxed'];

afterEach(() => setKernels('auto'));

/** out[..., i, j] = Σ_p a[..., i, p]·b[..., p, j] by the definition, with batch axes broadcast by hand. */
function naiveMatmul(a: number[][][], b: number[][][]): number[][][] {
  const count = Math.max(a.length, b.length);
  return Array.from({ length: count }, (_, t) => {
    const x = a[a.length === 1 ? 0 : t];
    const y = b[b.length === 1 ? 0 : t];
    return x.map((row) => y[0].map((_, j) => row.reduce((s, v, p) => s + v * y[p][j], 0)));
  });
}

function expectClose(got: Tensor, want: number[][][]): void {
  const g = got.toArray() as number[][][];
  expect(g.length).toBe(want.length);
  want.forEach((mat, t) =>
    mat.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(g[t][i][j] - v)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v)) * 64))),
  );
}

describe('setKernels and kernels', () => {
  test('auto picks the best path this engine validates; forcing a path reports it', () => {
    // The flag above makes relaxed SIMD validate on Node 20; later engines have it on.
    expect(kernels()).toBe('wasm-relaxed');
    for (const p of paths) {
      setKernels(p);
      expect(kernels()).toBe(p);
    }
  });

  test('an unknown mode is a ValueError naming the choices', () => {
    expect(() => setKernels('gpu' as KernelPath)).toThrow(ValueError);
    expect(() => setKernels('gpu' as KernelPath)).toThrow(/setKernels: expects one of 'auto', 'js', 'wasm', 'wasm-relaxed', got "gpu"/);
  });

  test('AD_KERNELS sets the initial mode and a bad value fails at import with the variable named', () => {
    const saved = process.env.AD_KERNELS;
    try {
      jest.isolateModules(() => {
        process.env.AD_KERNELS = 'js';
        expect((require('../src/kernels/paths.js') as typeof import('../src/kernels/paths.js')).kernels()).toBe('js');
      });
      jest.isolateModules(() => {
        process.env.AD_KERNELS = 'fast';
        expect(() => require('../src/kernels/paths.js')).toThrow(/AD_KERNELS: setKernels: expects one of/);
      });
    } finally {
      if (saved === undefined) delete process.env.AD_KERNELS;
      else process.env.AD_KERNELS = saved;
    }
  });
});

describe('fallback to JavaScript', () => {
  type Paths = typeof import('../src/kernels/paths.js');
  type Index = typeof import('../src/index.js');

  /** Loads the kernel modules afresh with `WebAssembly` replaced, then restores it. */
  function withWebAssembly(replacement: unknown, body: (paths: Paths, core: Index) => void): void {
    const g = globalThis as { WebAssembly?: unknown };
    const saved = g.WebAssembly;
    try {
      g.WebAssembly = replacement;
      jest.isolateModules(() => body(require('../src/kernels/paths.js') as Paths, require('../src/index.js') as Index));
    } finally {
      g.WebAssembly = saved;
    }
  }

  const check = (paths: Paths, core: Index) => {
    expect(paths.kernels()).toBe('js');
    expect(() => paths.setKernels('wasm')).toThrow(/setKernels: cannot use 'wasm': /);
    const a = core.randn([40, 30], { seed: 16 });
    const b = core.randn([30, 20], { seed: 17 });
    const want = naiveMatmul([a.toArray() as number[][]], [b.toArray() as number[][]]);
    expectClose(core.matmul(a, b).reshape([1, 40, 20]), want);
  };

  test('a page whose CSP forbids compiling WebAssembly runs products in JavaScript, and kernels() says so', () => {
    withWebAssembly(cspForbiddingWebAssembly(), check);
  });

  test('an engine without WebAssembly runs products in JavaScript', () => {
    withWebAssembly(undefined, check);
  });
});

describe.each(paths)('matmul on the %s path', (path) => {
  beforeEach(() => setKernels(path));

  test('batched with a broadcast operand, and transposed views, match the definition', () => {
    const a = randn([3, 5, 7], { seed: 1 });
    const w = randn([1, 7, 6], { seed: 2 });
    expectClose(matmul(a, w), naiveMatmul(a.toArray() as number[][][], w.toArray() as number[][][]));
    // Aᵀ·B per batch item, A stored [3,7,5] and read through a view.
    const at = randn([3, 7, 5], { seed: 3 });
    const atView = transpose(at, [0, 2, 1]);
    expectClose(matmul(atView, w), naiveMatmul(atView.toArray() as number[][][], w.toArray() as number[][][]));
  });

  test('0-size batch, rows, columns and depth', () => {
    expect(matmul(randn([0, 3, 4], { seed: 4 }), randn([4, 2], { seed: 5 })).shape).toEqual([0, 3, 2]);
    expect(matmul(randn([0, 4], { seed: 6 }), randn([4, 2], { seed: 7 })).shape).toEqual([0, 2]);
    expect(matmul(randn([3, 4], { seed: 8 }), randn([4, 0], { seed: 9 })).shape).toEqual([3, 0]);
    expect(matmul(randn([2, 0], { seed: 10 }), randn([0, 3], { seed: 11 })).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  test('results are deterministic: the same product twice is bit for bit the same', () => {
    const a = randn([37, 300], { seed: 12 });
    const b = randn([300, 45], { seed: 13 });
    expect(Array.from(matmul(a, b).toFloat64Array())).toEqual(Array.from(matmul(a, b).toFloat64Array()));
  });
});

describe('the WebAssembly path around the kernel', () => {
  test('a thin view of a large buffer is gathered, not copied whole, and still right', () => {
    setKernels('wasm');
    // Column j of a 400×400 row-major buffer, three columns wide: its span is ~400² elements.
    const big = new Float64Array(400 * 400).map((_, i) => Math.sin(i));
    const out = new Float64Array(400 * 2);
    const b = new Float64Array([1, 2, 3, 4, 5, 6]); // 3×2
    gemmBatch(400, 2, 3, big, [10], 400, 1, b, [0], 2, 1, out);
    for (let i = 0; i < 400; i++) {
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let p = 0; p < 3; p++) s += big[10 + i * 400 + p] * b[p * 2 + j];
        expect(Math.abs(out[i * 2 + j] - s)).toBeLessThanOrEqual(1e-12 * 12);
      }
    }
  });

  test('memory grows to the largest product and stays there over many products', () => {
    // One thread: a product this size is split among threads (over a second, shared memory)
    // only once the pool's workers are ready, which would make the high-water mark depend on timing.
    const threads = getNumThreads();
    setNumThreads(1);
    try {
      setKernels('wasm');
      const a = randn([120, 90], { seed: 14 });
      const b = randn([90, 110], { seed: 15 });
      matmul(a, b);
      const high = wasmMemoryBytes('wasm');
      expect(high).toBeGreaterThan(0);
      for (let i = 0; i < 200; i++) matmul(i % 2 === 0 ? a : transpose(b), i % 2 === 0 ? b : transpose(a));
      expect(wasmMemoryBytes('wasm')).toBe(high);
    } finally {
      setNumThreads(threads);
    }
  });

  test('a small product under auto is the same as on the JavaScript path (it runs there)', () => {
    const a = tensor([
      [1.5, -2],
      [0.25, 3],
    ]);
    const b = tensor([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    setKernels('js');
    const js = matmul(a, b).toFloat64Array();
    setKernels('auto');
    expect(Array.from(matmul(a, b).toFloat64Array())).toEqual(Array.from(js));
  });

  test('the committed binaries are what assembly/ compiles to', () => {
    const script = join(__dirname, '..', 'scripts', 'build-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
