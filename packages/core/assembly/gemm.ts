/**
 * The f64 matrix-multiply kernel in WebAssembly SIMD, written in AssemblyScript and compiled
 * twice by packages/core/scripts/build-wasm.mjs: once with plain SIMD (f64x2 multiply, then
 * add) and once with relaxed SIMD (`f64x2.relaxed_madd`, a fused multiply-add where the CPU
 * has one). The JavaScript side (src/kernels/wasm.ts) copies the operands into this module's
 * memory, calls `gemm` and copies C out.
 *
 * Same scheme as the JavaScript kernel (src/kernels/matmul.ts, whose comment explains the
 * GotoBLAS layering): pack A and B into micro-panels, then a register-blocked micro-kernel.
 * Here the micro-kernel holds an MR×NR = 4×4 tile of C in eight f64x2 registers; per step of
 * the shared dimension it loads one row of the B micro-panel (two f64x2), broadcasts each of
 * the four A values (`v128.load64_splat`) and does eight f64x2 multiply-adds: 32 flops for
 * six loads, with 8 accumulators + 2 B + 1 A of the 16 XMM registers, so nothing spills.
 *
 * Addresses are byte pointers into this memory; strides are in elements and may be negative
 * or zero (the pointer arithmetic wraps modulo 2³², which is what a negative offset needs).
 */

/** Rows of C per micro-kernel call. */
const MR: i32 = 4;
/** Columns of C per micro-kernel call (two f64x2). */
const NR: i32 = 4;
/** Rows of A packed at a time (multiple of MR): the A block, 128 KiB, stays in L2. */
const MC: i32 = 64;
/** Depth of one packed block: a B micro-panel (KC·NR·8 = 8 KiB) stays in L1. */
const KC: i32 = 256;
/** Columns of B packed at a time (multiple of NR). */
const NC: i32 = 256;

/** Packing buffers and the edge tile live in static memory, below `heapBase()`. */
const A_PACK: usize = memory.data(MC * KC * 8, 16);
const B_PACK: usize = memory.data(KC * NC * 8, 16);
const EDGE_TILE: usize = memory.data(MR * NR * 8, 16);

/** First byte past the static data: the caller's operands go from here on. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  // ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build keeps one branch.
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

// @ts-ignore: decorator
@inline function bytes(elements: i32): usize {
  return <usize>(elements << 3);
}

/**
 * C = A·B for one m×k by k×n product. A element (i, p) is the f64 at a + 8·(i·aRs + p·aCs),
 * B element (p, j) at b + 8·(p·bRs + j·bCs). C is overwritten, row-major contiguous at c.
 * C must not overlap A or B. m, n ≥ 1 (the caller returns early on empty products).
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize,
): void {
  memory.fill(c, 0, bytes(m * n));
  const ldc = bytes(n);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(kc, nc, b + bytes(pc * bRs + jc * bCs), bRs, bCs);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(mc, kc, a + bytes(ic * aRs + pc * aCs), aRs, aCs);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = B_PACK + bytes(jr * kc);
          for (let ir = 0; ir < mc; ir += MR) {
            const ap = A_PACK + bytes(ir * kc);
            const ci = c + bytes((ic + ir) * n + jc + jr);
            if (ir + MR <= mc && nr == NR) {
              microKernel(kc, ap, bp, ci, ldc);
            } else {
              memory.fill(EDGE_TILE, 0, bytes(MR * NR));
              microKernel(kc, ap, bp, EDGE_TILE, bytes(NR));
              addEdge(min(MR, mc - ir), nr, ci, ldc);
            }
          }
        }
      }
    }
  }
}

/**
 * Packs the mc×kc block of A at src into A_PACK as ⌈mc/MR⌉ micro-panels, each stored column
 * after column (MR values per p); rows past mc are zero. A column-contiguous A (rs = 1, as
 * in Aᵀ·B) copies each column of a panel as two f64x2.
 */
function packA(mc: i32, kc: i32, src: usize, rs: i32, cs: i32): void {
  let d = A_PACK;
  const rsB = bytes(rs);
  const csB = bytes(cs);
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    let s = src + bytes(ir * rs);
    if (rows == MR && rs == 1) {
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += csB;
        d += 32;
      }
    } else if (rows == MR) {
      for (let p = 0; p < kc; p++) {
        store<f64>(d, load<f64>(s));
        store<f64>(d, load<f64>(s + rsB), 8);
        store<f64>(d, load<f64>(s + 2 * rsB), 16);
        store<f64>(d, load<f64>(s + 3 * rsB), 24);
        s += csB;
        d += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let i = 0; i < MR; i++) {
          store<f64>(d + bytes(i), i < rows ? load<f64>(s + <usize>i * rsB) : 0.0);
        }
        s += csB;
        d += 32;
      }
    }
  }
}

/**
 * Packs the kc×nc block of B at src into B_PACK as ⌈nc/NR⌉ micro-panels, each stored row
 * after row (NR values per p); columns past nc are zero. A row-contiguous B (cs = 1, as in
 * A·B) copies each row of a panel as two f64x2.
 */
function packB(kc: i32, nc: i32, src: usize, rs: i32, cs: i32): void {
  let d = B_PACK;
  const rsB = bytes(rs);
  const csB = bytes(cs);
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let s = src + bytes(jr * cs);
    if (cols == NR && cs == 1) {
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += rsB;
        d += 32;
      }
    } else if (cols == NR) {
      for (let p = 0; p < kc; p++) {
        store<f64>(d, load<f64>(s));
        store<f64>(d, load<f64>(s + csB), 8);
        store<f64>(d, load<f64>(s + 2 * csB), 16);
        store<f64>(d, load<f64>(s + 3 * csB), 24);
        s += rsB;
        d += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) {
          store<f64>(d + bytes(j), j < cols ? load<f64>(s + <usize>j * csB) : 0.0);
        }
        s += rsB;
        d += 32;
      }
    }
  }
}

/**
 * C[4×4 at c, rows ldc bytes apart] += A micro-panel at ap · B micro-panel at bp, over kc.
 * Accumulator cIJ holds row I, columns 2J and 2J+1.
 */
function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const end = bp + bytes(kc * NR);
  while (bp < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load64_splat(ap);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load64_splat(ap, 8);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load64_splat(ap, 16);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load64_splat(ap, 24);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    ap += 32;
    bp += 32;
  }
  v128.store(c, f64x2.add(v128.load(c), c00));
  v128.store(c, f64x2.add(v128.load(c, 16), c01), 16);
  c += ldc;
  v128.store(c, f64x2.add(v128.load(c), c10));
  v128.store(c, f64x2.add(v128.load(c, 16), c11), 16);
  c += ldc;
  v128.store(c, f64x2.add(v128.load(c), c20));
  v128.store(c, f64x2.add(v128.load(c, 16), c21), 16);
  c += ldc;
  v128.store(c, f64x2.add(v128.load(c), c30));
  v128.store(c, f64x2.add(v128.load(c, 16), c31), 16);
}

/** Adds the valid mr×nr corner of EDGE_TILE into C (rows ldc bytes apart). */
function addEdge(mr: i32, nr: i32, c: usize, ldc: usize): void {
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    const tile = EDGE_TILE + bytes(i * NR);
    for (let j = 0; j < nr; j++) {
      store<f64>(row + bytes(j), load<f64>(row + bytes(j)) + load<f64>(tile + bytes(j)));
    }
  }
}
