/**
 * The f64 matrix-multiply kernel behind `matmul` and its two backprop products.
 *
 * ## Blocking scheme (the GotoBLAS / BLIS layering)
 *
 * ```
 * C = 0
 * for jc in 0..n step NC                    B block: KC×NC, packed once per (jc, pc)
 *   for pc in 0..k step KC
 *     pack B[pc:pc+KC, jc:jc+NC] into B_PACK   as NR-wide column micro-panels, p-major
 *     for ic in 0..m step MC
 *       pack A[ic:ic+MC, pc:pc+KC] into A_PACK as MR-tall row micro-panels, p-major
 *       for jr in 0..NC step NR             one B micro-panel (KC×NR) stays in L1 …
 *         for ir in 0..MC step MR           … while the A micro-panels stream past it
 *           micro-kernel: C[MR×NR] += A micro-panel · B micro-panel
 * ```
 *
 * Packing is the step that makes strides irrelevant: A·B, Aᵀ·B, A·Bᵀ, strided slices and
 * stride-0 broadcasts all come out of packing as the same two contiguous layouts, so every
 * layout runs the same micro-kernel at the same speed. Packing also zero-pads the last
 * micro-panels, so the micro-kernel never tests for edges; an edge tile is computed into
 * `EDGE_TILE` and only its valid part is added to C.
 *
 * ## Why these sizes (measured on a 2-core AMD EPYC (Zen 5) VM, Node 20 / V8 11.3)
 *
 * - Micro-kernel 4×4. JavaScript has no SIMD and no fused multiply-add, so each k step is
 *   MR·NR scalar multiplies and adds on 16 XMM registers, and the kernel is bound by
 *   instruction throughput. V8 schedules all the multiplies of an iteration before the adds,
 *   so 16 accumulators already spill a few values; still, 4×4 (8 loads per 32 flops)
 *   measured ≈5.9 GFLOP/s, 4×3, 3×4 and 2×8 5.3–6.0 (no better), 2×4 and 4×2 ≈4.5 (too few
 *   flops per load), 4×8, 8×4, 6×4 and 6×8 5.0–5.6 (more spills). Unrolling the k loop by 2
 *   or 4 only added spills (−10 %, −50 %), so it is not unrolled.
 * - KC = 256, MC = 64, NC = 256. As the micro-kernel, not memory, is the bottleneck, every
 *   combination of KC ∈ {128, 256, 512}, MC ∈ {32, 64, 128}, NC ∈ {128, 256, 512}
 *   (and even no blocking at all, up to n = 1024) measured within ±3 %. The sizes are the
 *   textbook fit: a B micro-panel (256×4×8 B = 8 KiB) plus an A micro-panel fit in L1, the
 *   A block (128 KiB) and the B block (512 KiB) fit in L2, and they keep the packing
 *   buffers a fixed 640 KiB however large the operands are.
 * - The packing buffers are fixed-size module constants whose lengths are powers of two.
 *   Constants let TurboFan embed the buffers' addresses and lengths in the machine code, and
 *   indexing them as `(i + d) & MASK` gives an index that is an int32 by construction, which
 *   removes the overflow check on every `i + d`: ≈ +8 % and ≈ +5 %, against grow-on-demand
 *   buffers passed in as arguments and indexed as `i + d`.
 *
 * Tiny products, A with fewer than MR rows and single-column B skip packing and run
 * `gemmUnpacked`, a strided 1×4 kernel with no setup: for an MLP on tiny batches the fixed
 * cost is what shows (1×2·2×8: 24 ns unpacked against 91 ns packed), and a batch of one
 * through a layer (1×784·784×128: 58 µs against 190 µs) would waste 3/4 of a 4-row tile.
 */

/** Rows of C per micro-kernel call. */
const MR = 4;
/** Columns of C per micro-kernel call. */
const NR = 4;
/** Rows of A packed at a time (multiple of MR). */
const MC = 64;
/** Depth of one packed block (shared dimension). */
const KC = 256;
/** Columns of B packed at a time (multiple of NR). */
const NC = 256;

/** MC×KC = 2¹⁴ and KC×NC = 2¹⁶ elements: powers of two, so `& MASK` bounds every index. */
const A_PACK = new Float64Array(MC * KC);
const B_PACK = new Float64Array(KC * NC);
const A_MASK = MC * KC - 1;
const B_MASK = KC * NC - 1;
/** An edge tile (fewer than MR rows or NR columns left) is computed here, then its valid part added to C. */
const EDGE_TILE = new Float64Array(MR * NR);

/**
 * Below this many multiply-adds (m·n·k) the unpacked kernel wins or ties: at 8×8·8×8 packing
 * already pays (274 ns against 335 ns), at 5×5·5×5 it does not (235 ns against 131 ns).
 */
const SMALL_MNK = 512;

/**
 * C = A·B for one m×k by k×n product, general strides, f64.
 * A element (i, p) is a[aOff + i*aRs + p*aCs]; B element (p, j) is b[bOff + p*bRs + j*bCs].
 * C is written (overwritten, not accumulated) row-major contiguous at c[cOff + i*n + j].
 * Transposed operands are just swapped strides, so Aᵀ·B and A·Bᵀ (what backprop needs) never need a copy from the caller.
 * C must not overlap A or B.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  aRs: number,
  aCs: number,
  b: Float64Array,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float64Array,
  cOff: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    c.fill(0, cOff, cOff + m * n);
    return;
  }
  // A matrix times a vector, the matrix stored by columns (Vᵀ·r, the reverse rule of V·x):
  // the unpacked kernel's dot products would stride across whole rows for every element, so
  // it runs as a sum of scaled columns instead.
  if (n === 1 && Math.abs(aRs) < Math.abs(aCs)) {
    gemvColumns(m, k, a, aOff, aRs, aCs, b, bOff, bRs, c, cOff);
    return;
  }
  if (m < MR || n === 1 || m * n * k < SMALL_MNK) {
    gemmUnpacked(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff);
    return;
  }
  // Every depth block adds its part into C. Overwriting in the first block instead needs a
  // branch in the micro-kernel whose add side is first taken once k > KC; when the first
  // product V8 saw had k > KC, it kept re-entering and deoptimizing a stale on-stack-
  // replacement copy of the micro-kernel (over 1000 deopts in 20 calls at n = 512).
  c.fill(0, cOff, cOff + m * n);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(kc, nc, b, bOff + pc * bRs + jc * bCs, bRs, bCs);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(mc, kc, a, aOff + ic * aRs + pc * aCs, aRs, aCs);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const ci = cOff + (ic + ir) * n + jc + jr;
            if (ir + MR <= mc && nr === NR) {
              microKernel(kc, ir * kc, jr * kc, c, ci, n);
            } else {
              EDGE_TILE.fill(0);
              microKernel(kc, ir * kc, jr * kc, EDGE_TILE, 0, NR);
              addEdge(Math.min(MR, mc - ir), nr, c, ci, n);
            }
          }
        }
      }
    }
  }
}

/**
 * Unpacked strided kernel: for each row of C, four columns at a time, four dot products over
 * p that share each load of A. No setup cost, no padding, so it wins for tiny products, for
 * A with fewer than MR rows (a batch of 1–3 through a layer: the packed path would pad A to
 * MR rows and waste up to 3/4 of its work) and for a single column (matrix·vector) whose
 * matrix rows are contiguous (the other layout goes to gemvColumns).
 */
function gemmUnpacked(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  aRs: number,
  aCs: number,
  b: Float64Array,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float64Array,
  cOff: number,
): void {
  const n4 = n - (n % 4);
  const bCs2 = 2 * bCs;
  const bCs3 = 3 * bCs;
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * aRs;
    const ci = cOff + i * n;
    let j = 0;
    for (; j < n4; j += 4) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let ia = ai;
      let ib = bOff + j * bCs;
      for (let p = 0; p < k; p++) {
        const x = a[ia];
        s0 += x * b[ib];
        s1 += x * b[ib + bCs];
        s2 += x * b[ib + bCs2];
        s3 += x * b[ib + bCs3];
        ia += aCs;
        ib += bRs;
      }
      c[ci + j] = s0;
      c[ci + j + 1] = s1;
      c[ci + j + 2] = s2;
      c[ci + j + 3] = s3;
    }
    for (; j < n; j++) {
      let s = 0;
      let ia = ai;
      let ib = bOff + j * bCs;
      for (let p = 0; p < k; p++) {
        s += a[ia] * b[ib];
        ia += aCs;
        ib += bRs;
      }
      c[ci + j] = s;
    }
  }
}

/**
 * c = M·x for an r×k matrix M (element (i, p) at mOff + i·mRs + p·mCs) whose columns are the
 * short stride (|mRs| < |mCs|: a transposed row-major matrix), x read with stride xs, c written
 * contiguous at cOff (overwritten). It adds x_p·M[:, p] into c four columns at a time, so M is
 * read along its columns — one pass in storage order when M is a transposed view — and c, the
 * short vector, is what is re-read. The dot-product order (gemmUnpacked) would read M across
 * its rows, a stride of a whole row for every element: for Vᵀ·r with V: [16392, 128] that was
 * one cache line per multiply-add (87 % of llsq's gradient).
 */
function gemvColumns(
  r: number,
  k: number,
  m: Float64Array,
  mOff: number,
  mRs: number,
  mCs: number,
  x: Float64Array,
  xOff: number,
  xs: number,
  c: Float64Array,
  cOff: number,
): void {
  c.fill(0, cOff, cOff + r);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const x0 = x[xOff + p * xs];
    const x1 = x[xOff + (p + 1) * xs];
    const x2 = x[xOff + (p + 2) * xs];
    const x3 = x[xOff + (p + 3) * xs];
    const m0 = mOff + p * mCs;
    const m1 = m0 + mCs;
    const m2 = m1 + mCs;
    const m3 = m2 + mCs;
    for (let i = 0; i < r; i++) {
      const o = i * mRs;
      c[cOff + i] += x0 * m[m0 + o] + x1 * m[m1 + o] + x2 * m[m2 + o] + x3 * m[m3 + o];
    }
  }
  for (; p < k; p++) {
    const xp = x[xOff + p * xs];
    const mp = mOff + p * mCs;
    for (let i = 0; i < r; i++) c[cOff + i] += xp * m[mp + i * mRs];
  }
}

/**
 * Packs the mc×kc block of A at `off` into A_PACK as ⌈mc/MR⌉ micro-panels; panel r holds rows
 * r·MR … r·MR+MR−1, stored column after column (MR values per p), so the micro-kernel reads
 * it front to back. Rows past mc are zero: an edge tile computes them and discards them, and
 * zeros keep that work on harmless values rather than stale ones.
 */
function packA(mc: number, kc: number, a: Float64Array, off: number, rs: number, cs: number): void {
  const dst = A_PACK;
  let d = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    let src = off + ir * rs;
    if (rows === MR) {
      const rs2 = 2 * rs;
      const rs3 = 3 * rs;
      for (let p = 0; p < kc; p++) {
        dst[d] = a[src];
        dst[d + 1] = a[src + rs];
        dst[d + 2] = a[src + rs2];
        dst[d + 3] = a[src + rs3];
        src += cs;
        d += MR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let i = 0; i < MR; i++) dst[d + i] = i < rows ? a[src + i * rs] : 0;
        src += cs;
        d += MR;
      }
    }
  }
}

/**
 * Packs the kc×nc block of B at `off` into B_PACK as ⌈nc/NR⌉ micro-panels; panel r holds
 * columns r·NR … r·NR+NR−1, stored row after row (NR values per p). Columns past nc are zero,
 * as in packA.
 */
function packB(kc: number, nc: number, b: Float64Array, off: number, rs: number, cs: number): void {
  const dst = B_PACK;
  let d = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    let src = off + jr * cs;
    if (cols === NR) {
      const cs2 = 2 * cs;
      const cs3 = 3 * cs;
      for (let p = 0; p < kc; p++) {
        dst[d] = b[src];
        dst[d + 1] = b[src + cs];
        dst[d + 2] = b[src + cs2];
        dst[d + 3] = b[src + cs3];
        src += rs;
        d += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) dst[d + j] = j < cols ? b[src + j * cs] : 0;
        src += rs;
        d += NR;
      }
    }
  }
}

/**
 * C[ci …] += A micro-panel at A_PACK[ai …] · B micro-panel at B_PACK[bi …], MR×NR, with C's
 * rows ldc apart. The 16 sums live in locals (registers, or stack slots TurboFan keeps hot)
 * for the whole kc loop, so C is touched once per call.
 */
function microKernel(kc: number, ai: number, bi: number, c: Float64Array, ci: number, ldc: number): void {
  const ap = A_PACK;
  const bp = B_PACK;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = 0; p < kc; p++) {
    // The indices are in range already; `& MASK` only lets TurboFan know they are int32.
    const a0 = ap[ai & A_MASK];
    const a1 = ap[(ai + 1) & A_MASK];
    const a2 = ap[(ai + 2) & A_MASK];
    const a3 = ap[(ai + 3) & A_MASK];
    const b0 = bp[bi & B_MASK];
    const b1 = bp[(bi + 1) & B_MASK];
    const b2 = bp[(bi + 2) & B_MASK];
    const b3 = bp[(bi + 3) & B_MASK];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ai += MR;
    bi += NR;
  }
  const r1 = ci + ldc;
  const r2 = r1 + ldc;
  const r3 = r2 + ldc;
  c[ci] += c00;
  c[ci + 1] += c01;
  c[ci + 2] += c02;
  c[ci + 3] += c03;
  c[r1] += c10;
  c[r1 + 1] += c11;
  c[r1 + 2] += c12;
  c[r1 + 3] += c13;
  c[r2] += c20;
  c[r2 + 1] += c21;
  c[r2 + 2] += c22;
  c[r2 + 3] += c23;
  c[r3] += c30;
  c[r3 + 1] += c31;
  c[r3 + 2] += c32;
  c[r3 + 3] += c33;
}

/** Adds the valid mr×nr corner of EDGE_TILE into C (rows ldc apart). */
function addEdge(mr: number, nr: number, c: Float64Array, ci: number, ldc: number): void {
  for (let i = 0; i < mr; i++) {
    const row = ci + i * ldc;
    for (let j = 0; j < nr; j++) c[row + j] += EDGE_TILE[i * NR + j];
  }
}
