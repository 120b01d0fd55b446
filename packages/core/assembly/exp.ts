/**
 * e^x over an array, two lanes at a time: the same algorithm, constants and order of
 * operations as the JavaScript `exp` of src/special.ts (which explains it), so every lane is
 * bit for bit what `Special.exp` returns. With k = round(x·N/ln 2) and r = x − k·ln 2/N (two
 * parts), e^x = 2^⌊k/N⌋ · T[k mod N] · (1 + p(r)), p the degree-5 Taylor polynomial of e^r − 1.
 * k comes out of the rounding itself: x·N/ln 2 + 1.5·2⁵² has k in the low bits of its
 * significand, so k = bits(x·N/ln 2 + 1.5·2⁵²) − bits(1.5·2⁵²) as a 64-bit integer. The table
 * T (2^(j/N), N = 128) is written here by the JavaScript side from its own table
 * (src/kernels/wasm.ts), and 2^⌊k/N⌋ is built in the exponent bits, (⌊k/N⌋ + 1023)·2⁵².
 * Outside |x| ≤ 708 (and for NaN), where the result is not a normal number, the JavaScript
 * function returns `Math.exp(x)`: a block holding such an x is computed one lane at a time
 * (expScalar), those lanes by the host's `Math.exp`, imported.
 */

/** Entries per octave. */
const N: i32 = 128;
/** 2^(j/N), j = 0 … N − 1: filled by the host from src/special.ts's table. */
const TABLE: usize = memory.data(N * 8, 16);

// @ts-ignore: decorator
@external('env', 'exp')
declare function hostExp(x: f64): f64;

const INV: f64 = <f64>N / 0.6931471805599453;
const HI: f64 = 0.6931471803691238 / <f64>N;
const LO: f64 = 1.9082149292705877e-10 / <f64>N;
const ROUND: f64 = 6755399441055744;

/** Where the host writes the table (N doubles). */
export function expTable(): usize {
  return TABLE;
}

// @ts-ignore: decorator
@inline function expScalar(x: f64): f64 {
  if (!(Math.abs(x) <= 708)) return hostExp(x);
  const kd = x * INV + ROUND - ROUND;
  const r = x - kd * HI - kd * LO;
  const k = <i32>kd;
  const t = load<f64>(TABLE + (<usize>(k & (N - 1)) << 3));
  const p = r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
  return (t + t * p) * reinterpret<f64>(<i64>((k >> 7) + 1023) << 52);
}

/** e^v for a pair in range (|v| ≤ 708): expScalar two lanes at a time. */
// @ts-ignore: decorator
@inline function expPair(v: v128): v128 {
  const round = f64x2.splat(ROUND);
  const mask = i64x2.splat(N - 1);
  const y = f64x2.add(f64x2.mul(v, f64x2.splat(INV)), round);
  const kd = f64x2.sub(y, round);
  const r = f64x2.sub(f64x2.sub(v, f64x2.mul(kd, f64x2.splat(HI))), f64x2.mul(kd, f64x2.splat(LO)));
  const k = i64x2.sub(y, round);
  const j = v128.and(k, mask);
  let t = v128.load64_zero(TABLE + (<usize>i64x2.extract_lane(j, 0) << 3));
  t = v128.load64_lane(TABLE + (<usize>i64x2.extract_lane(j, 1) << 3), t, 1);
  let p = f64x2.add(f64x2.splat(1.0 / 24), f64x2.mul(r, f64x2.splat(1.0 / 120)));
  p = f64x2.add(f64x2.splat(1.0 / 6), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1), f64x2.mul(r, p));
  p = f64x2.mul(r, p);
  // (⌊k/N⌋ + 1023)·2⁵² as k with its low 7 bits cleared, shifted by 45, plus 1023·2⁵²:
  // no 64-bit arithmetic shift, which SSE lacks (V8 emulates it).
  const scale = i64x2.add(i64x2.shl(v128.andnot(k, mask), 45), i64x2.splat(<i64>1023 << 52));
  return f64x2.mul(f64x2.add(t, f64x2.mul(t, p)), scale);
}

/**
 * x[i] ← e^(x[i] − shift) for the n doubles at byte address x (16-byte aligned), in place
 * (shift = 0 leaves every argument's bits as they are, −0 and NaN included). Returns
 * acc + e^(x[0]) + e^(x[1]) + … added one at a time in that order, as the sum op's loop adds,
 * so that a caller summing what it exponentiates, block after block, gets the sum op's bits.
 */
export function expInPlace(x: usize, n: i32, acc: f64, shift: f64): f64 {
  const by = f64x2.splat(shift);
  const limit = f64x2.splat(708);
  const pairs = <usize>(n >> 1) << 4;
  // Whether every lane is in range (|x| ≤ 708 is false for NaN): a branch per pair made the
  // loop twice as slow, so the block is checked first and the pair loop has no branch.
  let inRange = f64x2.eq(limit, limit);
  for (let i: usize = 0; i < pairs; i += 16) inRange = v128.and(inRange, f64x2.le(f64x2.abs(f64x2.sub(v128.load(x + i), by)), limit));
  let s = acc;
  if (i64x2.all_true(inRange)) {
    // Two pairs an iteration: their chains are independent, which the CPU overlaps better.
    const quads = pairs & ~(<usize>31);
    for (let i: usize = 0; i < quads; i += 32) {
      const e = expPair(f64x2.sub(v128.load(x + i), by));
      const f = expPair(f64x2.sub(v128.load(x + i + 16), by));
      v128.store(x + i, e);
      v128.store(x + i + 16, f);
      s += f64x2.extract_lane(e, 0);
      s += f64x2.extract_lane(e, 1);
      s += f64x2.extract_lane(f, 0);
      s += f64x2.extract_lane(f, 1);
    }
    if (quads < pairs) {
      const e = expPair(f64x2.sub(v128.load(x + quads), by));
      v128.store(x + quads, e);
      s += f64x2.extract_lane(e, 0);
      s += f64x2.extract_lane(e, 1);
    }
  } else {
    for (let i: usize = 0; i < pairs; i += 16) {
      const e0 = expScalar(load<f64>(x + i) - shift);
      const e1 = expScalar(load<f64>(x + i + 8) - shift);
      store<f64>(x + i, e0);
      store<f64>(x + i + 8, e1);
      s += e0;
      s += e1;
    }
  }
  if (n & 1) {
    const e = expScalar(load<f64>(x + pairs) - shift);
    store<f64>(x + pairs, e);
    s += e;
  }
  return s;
}
