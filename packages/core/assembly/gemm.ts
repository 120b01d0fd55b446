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
 *
 * Threads: the memory may be shared by several instances of this module, one per thread
 * (src/kernels/pool.ts). Nothing here is static but constants: each thread packs into its own
 * `pack` region (PACK_BYTES, placed by the caller), and `gemmUnits` runs a run of units of a
 * batch of products: blocks of B to pack, or blocks of C. Every element of C is computed by the
 * same instructions in the same order whichever block holds it (the depth blocks pc and the
 * micro-kernel's sum over p do not depend on where the block starts, and the first depth block
 * of an edge tile adds its sums to zero exactly as a full tile's does), so C has the same bits
 * for any split.
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

/** A thread's pack region: the A block, the B block and the edge tile, in this order. */
const A_BYTES: usize = MC * KC * 8;
const B_BYTES: usize = KC * NC * 8;
const PACK_BYTES: usize = A_BYTES + B_BYTES + MR * NR * 8;

/** First byte past the static data: the caller's operands go from here on. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of one thread's pack region (16-byte aligned, as the caller must place it). */
export function packBytes(): usize {
  return PACK_BYTES;
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
 * B element (p, j) at b + 8·(p·bRs + j·bCs). C is overwritten, row-major at c with rows ldc
 * elements apart. C must not overlap A, B or the pack region. m, n ≥ 1 (the caller returns
 * early on empty products). `packedB` is 0, or where this B lies packed whole by packBlock
 * (then b is not read): threads that share a product's rows pack B once instead of once each.
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldcElements: i32, pack: usize, packedB: usize,
): void {
  const ldc = bytes(ldcElements);
  const aPack = pack;
  let bPack = pack + A_BYTES;
  const edge = pack + A_BYTES + B_BYTES;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      if (packedB == 0) {
        packB(kc, nc, b + bytes(pc * bRs + jc * bCs), bRs, bCs, bPack);
      } else {
        // B's blocks, packed by packBlock in the order this loop takes them.
        bPack = packedB;
        packedB += bytes(((nc + NR - 1) / NR) * NR * kc);
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(mc, kc, a + bytes(ic * aRs + pc * aCs), aRs, aCs, aPack);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = bPack + bytes(jr * kc);
          for (let ir = 0; ir < mc; ir += MR) {
            const ap = aPack + bytes(ir * kc);
            const ci = c + <usize>(ic + ir) * ldc + bytes(jc + jr);
            if (ir + MR <= mc && nr == NR) {
              microKernel(kc, ap, bp, ci, ldc, pc == 0);
            } else {
              microKernel(kc, ap, bp, edge, bytes(NR), true);
              addEdge(min(MR, mc - ir), nr, ci, ldc, edge, pc == 0);
            }
          }
        }
      }
    }
  }
}

/**
 * How many blocks gemm packs a k×n B in (one per (jc, pc)): the units that pack B for a
 * product cut into row blocks (gemmUnits).
 */
export function packUnits(k: i32, n: i32): i32 {
  return ((n + NC - 1) / NC) * ((k + KC - 1) / KC);
}

/**
 * Block j of B (the j-th (jc, pc) in gemm's order: jc outer, pc inner), packed at dst where
 * gemm reads a B packed whole (`packedB`): the jc blocks before it take NC·k values each (NC
 * is a multiple of NR, so no padding), and the pc blocks before it within its jc take
 * KC·⌈nc/NR⌉·NR each.
 */
function packBlock(k: i32, n: i32, b: usize, bRs: i32, bCs: i32, dst: usize, j: i32): void {
  const depthBlocks = (k + KC - 1) / KC;
  const jc = (j / depthBlocks) * NC;
  const pc = (j % depthBlocks) * KC;
  const nc = min(NC, n - jc);
  const kc = min(KC, k - pc);
  const ncPadded = ((nc + NR - 1) / NR) * NR;
  packB(kc, nc, b + bytes(pc * bRs + jc * bCs), bRs, bCs, dst + bytes(jc * k + pc * ncPadded));
}

/**
 * Units first … end − 1 of a batch of products C[t] = A[t]·B[t], t < count, described by the
 * i32 words at `task`: m, n, k, aRs, aCs, bRs, bCs, count, rowBlock, colBlock, c, packed,
 * packedStride, packing, then count pointers to the A items and count pointers to the B
 * items. C[t] is row-major m×n at c + 8·t·m·n.
 *
 * Units below `packing` pack B (none unless the items are cut into row blocks): unit u packs
 * block u mod P of B item ⌊u / P⌋ (P = packUnits(k, n)), item t's packing at
 * packed + t·packedStride. The caller starts no later unit before all of them are
 * done (pool.ts). Every later unit is a block of C: rowBlock rows by colBlock columns of an
 * item, item after item; an item is cut along one side only, so the blocks of one item in a
 * run are one block of C, computed by one gemm call (reading B packed, where it was).
 */
export function gemmUnits(task: usize, first: i32, end: i32, pack: usize): void {
  const m = load<i32>(task);
  const n = load<i32>(task, 4);
  const k = load<i32>(task, 8);
  const aRs = load<i32>(task, 12);
  const aCs = load<i32>(task, 16);
  const bRs = load<i32>(task, 20);
  const bCs = load<i32>(task, 24);
  const count = load<i32>(task, 28);
  const rowBlock = load<i32>(task, 32);
  const colBlock = load<i32>(task, 36);
  const c = <usize>load<i32>(task, 40);
  const packed = <usize>load<i32>(task, 44);
  const packedStride = <usize>load<i32>(task, 48);
  const packing = load<i32>(task, 52);
  const aPtrs = task + 56;
  const bPtrs = aPtrs + (<usize>count << 2);
  let u = first;
  if (u < packing) {
    const blocks = packUnits(k, n);
    for (; u < min(end, packing); u++) {
      const t = u / blocks;
      packBlock(k, n, <usize>load<i32>(bPtrs + (<usize>t << 2)), bRs, bCs, packed + <usize>t * packedStride, u % blocks);
    }
  }
  const rowBlocks = (m + rowBlock - 1) / rowBlock;
  const colBlocks = (n + colBlock - 1) / colBlock;
  const perItem = rowBlocks * colBlocks;
  u -= packing;
  const last = end - packing;
  while (u < last) {
    const t = u / perItem;
    const u0 = u - t * perItem;
    const u1 = min(last - t * perItem, perItem);
    u = t * perItem + u1;
    // One side of the item is whole (rowBlocks or colBlocks is 1), so units u0 … u1 − 1 are
    // the rows r0 … r1 − 1 by the columns c0 … c1 − 1.
    const r0 = colBlocks == 1 ? u0 * rowBlock : 0;
    const r1 = colBlocks == 1 ? min(m, u1 * rowBlock) : m;
    const c0 = colBlocks == 1 ? 0 : u0 * colBlock;
    const c1 = colBlocks == 1 ? n : min(n, u1 * colBlock);
    const a = <usize>load<i32>(aPtrs + (<usize>t << 2)) + bytes(r0 * aRs);
    const b = <usize>load<i32>(bPtrs + (<usize>t << 2)) + bytes(c0 * bCs);
    const ct = c + bytes(t * m * n + r0 * n + c0);
    const packedB = packed == 0 ? 0 : packed + <usize>t * packedStride;
    gemm(r1 - r0, c1 - c0, k, a, aRs, aCs, b, bRs, bCs, ct, n, pack, packedB);
  }
}

/**
 * Packs the mc×kc block of A at src into the A block at dst as ⌈mc/MR⌉ micro-panels, each stored column
 * after column (MR values per p); rows past mc are zero. A column-contiguous A (rs = 1, as
 * in Aᵀ·B) copies each column of a panel as two f64x2.
 */
function packA(mc: i32, kc: i32, src: usize, rs: i32, cs: i32, dst: usize): void {
  let d = dst;
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
 * Packs the kc×nc block of B at src into the B block at dst as ⌈nc/NR⌉ micro-panels, each stored row
 * after row (NR values per p); columns past nc are zero. A row-contiguous B (cs = 1, as in
 * A·B) copies each row of a panel as two f64x2.
 */
function packB(kc: i32, nc: i32, src: usize, rs: i32, cs: i32, dst: usize): void {
  let d = dst;
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
 * C[4×4 at c, rows ldc bytes apart] += A micro-panel at ap · B micro-panel at bp, over kc;
 * with `first` (the first depth block) C is not read: C = 0 + the sums, the bits that adding
 * them to a zeroed C gave, without zeroing C and reading it back (for a product with k ≤ KC
 * that pass over C was a tenth of its time: C is 800 KiB for the MLP's ȳᵀ·x, larger than L2).
 * Accumulator cIJ holds row I, columns 2J and 2J+1.
 */
function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, first: bool): void {
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
  // +0 + s is s except for s = −0 (then +0), so the first block adds its sums to a zero.
  const zero = f64x2.splat(0);
  const c0 = first ? zero : v128.load(c);
  const c1 = first ? zero : v128.load(c, 16);
  v128.store(c, f64x2.add(c0, c00));
  v128.store(c, f64x2.add(c1, c01), 16);
  c += ldc;
  const c2 = first ? zero : v128.load(c);
  const c3 = first ? zero : v128.load(c, 16);
  v128.store(c, f64x2.add(c2, c10));
  v128.store(c, f64x2.add(c3, c11), 16);
  c += ldc;
  const c4 = first ? zero : v128.load(c);
  const c5 = first ? zero : v128.load(c, 16);
  v128.store(c, f64x2.add(c4, c20));
  v128.store(c, f64x2.add(c5, c21), 16);
  c += ldc;
  const c6 = first ? zero : v128.load(c);
  const c7 = first ? zero : v128.load(c, 16);
  v128.store(c, f64x2.add(c6, c30));
  v128.store(c, f64x2.add(c7, c31), 16);
}

/**
 * Adds the valid mr×nr corner of the edge tile at `edge` into C (rows ldc bytes apart), or
 * into a zero C in the first depth block (`first`: C is not read).
 */
function addEdge(mr: i32, nr: i32, c: usize, ldc: usize, edge: usize, first: bool): void {
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    const tile = edge + bytes(i * NR);
    for (let j = 0; j < nr; j++) {
      store<f64>(row + bytes(j), (first ? 0.0 : load<f64>(row + bytes(j))) + load<f64>(tile + bytes(j)));
    }
  }
}
