/**
 * The intermediate kernels on the way to packages/core/src/kernels/matmul.ts, kept so that
 * `bench/matmul.ts` can show what each step bought. Same contract as `gemm` (general strides,
 * C overwritten row-major); none of them is used by the library.
 *
 *   naiveIkj         the textbook i-k-j loop through the strides
 *   unpacked4x4      a 4×4 register-blocked kernel reading A and B in place through the strides
 *   packedUnblocked  pack all of A and all of B, then the 4×4 micro-kernel over the full depth
 *   packedBlocked    the same with GotoBLAS blocking (MC = 64, KC = 256, NC = 256); the packing
 *                    buffers grow on demand and are passed to the micro-kernel as arguments
 *
 * The final kernel is packedBlocked with fixed-size module-constant packing buffers indexed
 * through a power-of-two mask, and an unpacked path for tiny and thin products.
 */

export type Gemm = (
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
) => void;

export const naiveIkj: Gemm = (m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff) => {
  c.fill(0, cOff, cOff + m * n);
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    for (let p = 0; p < k; p++) {
      const x = a[aOff + i * aRs + p * aCs];
      let ib = bOff + p * bRs;
      for (let j = 0; j < n; j++) {
        c[ci + j] += x * b[ib];
        ib += bCs;
      }
    }
  }
};

/** One C entry as a strided dot product: the edges of unpacked4x4. */
function dot(k: number, a: Float64Array, ia: number, aCs: number, b: Float64Array, ib: number, bRs: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) {
    s += a[ia] * b[ib];
    ia += aCs;
    ib += bRs;
  }
  return s;
}

export const unpacked4x4: Gemm = (m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff) => {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
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
      let ia = aOff + i * aRs;
      let ib = bOff + j * bCs;
      for (let p = 0; p < k; p++) {
        const a0 = a[ia],
          a1 = a[ia + aRs],
          a2 = a[ia + 2 * aRs],
          a3 = a[ia + 3 * aRs];
        const b0 = b[ib],
          b1 = b[ib + bCs],
          b2 = b[ib + 2 * bCs],
          b3 = b[ib + 3 * bCs];
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
        ia += aCs;
        ib += bRs;
      }
      const r0 = cOff + i * n + j;
      const r1 = r0 + n,
        r2 = r1 + n,
        r3 = r2 + n;
      c[r0] = c00;
      c[r0 + 1] = c01;
      c[r0 + 2] = c02;
      c[r0 + 3] = c03;
      c[r1] = c10;
      c[r1 + 1] = c11;
      c[r1 + 2] = c12;
      c[r1 + 3] = c13;
      c[r2] = c20;
      c[r2 + 1] = c21;
      c[r2 + 2] = c22;
      c[r2 + 3] = c23;
      c[r3] = c30;
      c[r3 + 1] = c31;
      c[r3 + 2] = c32;
      c[r3 + 3] = c33;
    }
    for (let r = i; r < i + 4; r++) {
      for (let j = n4; j < n; j++) c[cOff + r * n + j] = dot(k, a, aOff + r * aRs, aCs, b, bOff + j * bCs, bRs);
    }
  }
  for (let i = m4; i < m; i++) {
    for (let j = 0; j < n; j++) c[cOff + i * n + j] = dot(k, a, aOff + i * aRs, aCs, b, bOff + j * bCs, bRs);
  }
};

let aPack = new Float64Array(0);
let bPack = new Float64Array(0);
const edgeTile = new Float64Array(16);

/** C[ci …] += the 4×4 product of the micro-panels at ap[ai …] and bp[bi …]. */
function micro4x4(kc: number, ap: Float64Array, ai: number, bp: Float64Array, bi: number, c: Float64Array, ci: number, ldc: number): void {
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
    const a0 = ap[ai],
      a1 = ap[ai + 1],
      a2 = ap[ai + 2],
      a3 = ap[ai + 3];
    const b0 = bp[bi],
      b1 = bp[bi + 1],
      b2 = bp[bi + 2],
      b3 = bp[bi + 3];
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
    ai += 4;
    bi += 4;
  }
  const r1 = ci + ldc,
    r2 = r1 + ldc,
    r3 = r2 + ldc;
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

/** Packs rows×depth of a strided matrix into 4-wide panels, p-major, zero-padded (A as is; B as Bᵀ). */
function pack4(rows: number, depth: number, x: Float64Array, off: number, rowStride: number, depthStride: number, dst: Float64Array): void {
  let d = 0;
  for (let r = 0; r < rows; r += 4) {
    for (let p = 0; p < depth; p++) {
      const src = off + r * rowStride + p * depthStride;
      for (let i = 0; i < 4; i++) dst[d + i] = r + i < rows ? x[src + i * rowStride] : 0;
      d += 4;
    }
  }
}

function packedGemm(
  MC: number,
  KC: number,
  NC: number,
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
  // Every depth block adds into C (see the kernel for why there is no overwrite branch).
  c.fill(0, cOff, cOff + m * n);
  const round4 = (x: number) => Math.ceil(x / 4) * 4;
  const needA = round4(Math.min(MC, m)) * Math.min(KC, k);
  const needB = round4(Math.min(NC, n)) * Math.min(KC, k);
  if (aPack.length < needA) aPack = new Float64Array(needA);
  if (bPack.length < needB) bPack = new Float64Array(needB);
  const ap = aPack;
  const bp = bPack;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      pack4(nc, kc, b, bOff + pc * bRs + jc * bCs, bCs, bRs, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        pack4(mc, kc, a, aOff + ic * aRs + pc * aCs, aRs, aCs, ap);
        for (let jr = 0; jr < nc; jr += 4) {
          const nr = Math.min(4, nc - jr);
          for (let ir = 0; ir < mc; ir += 4) {
            const mr = Math.min(4, mc - ir);
            const ci = cOff + (ic + ir) * n + jc + jr;
            if (mr === 4 && nr === 4) {
              micro4x4(kc, ap, ir * kc, bp, jr * kc, c, ci, n);
            } else {
              edgeTile.fill(0);
              micro4x4(kc, ap, ir * kc, bp, jr * kc, edgeTile, 0, 4);
              for (let i = 0; i < mr; i++) {
                for (let j = 0; j < nr; j++) c[ci + i * n + j] += edgeTile[i * 4 + j];
              }
            }
          }
        }
      }
    }
  }
}

export const packedUnblocked: Gemm = (m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff) =>
  packedGemm(Infinity, Infinity, Infinity, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff);

export const packedBlocked: Gemm = (m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff) =>
  packedGemm(64, 256, 256, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff);
