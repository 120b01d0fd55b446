/**
 * Where a jitted program and eager mode could part ways (issue 23): a traced value is always a
 * tracer, constant folding keeps IEEE results, and what tracing cannot see is refused by name or
 * behaves as the README's "Sharp edges" section says.
 */
import { type Tensor, randn, sub, tensor, where } from '@ad/core';
import { grad, valueAndGrad, type TensorVar, type Var } from '@ad/reverse';
import { TracingError, jit } from '../src/index.js';

/** jit of a function written over Vars, called with numbers as the eager transforms are. */
const jitScalar = (f: (xs: Var[]) => unknown): ((xs: number[]) => unknown) => jit(f as unknown as (xs: number[]) => unknown);

/** Same float64 values, NaN and the sign of zero included. */
function sameIEEE(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

describe('a traced value is always a tracer', () => {
  const accumulate = ([x]: Var[]) => x.mul(0).add(x);

  test('x·0 is a traced value with methods: eager, jit and jit(grad) agree', () => {
    expect(jitScalar(accumulate)([3])).toBe(3);
    expect(valueAndGrad(accumulate)([3])).toEqual({ value: 3, grad: [1] });
    expect(jit(valueAndGrad(accumulate))([3])).toEqual({ value: 3, grad: [1] });
    expect(jit(grad(accumulate))([3])).toEqual([1]);
  });

  test('a sum started from xs[0].mul(0), and a constant branch of where', () => {
    const sum = (xs: Var[]) => xs.reduce((acc, x) => acc.add(x.square()), xs[0].mul(0));
    expect(jitScalar(sum)([1, 2, 3])).toBe(14);
    expect(jit(grad(sum))([1, 2, 3])).toEqual([2, 4, 6]);
    // where(1, 0, x) picks the constant 0 at trace time: still a tracer, with methods.
    const picked = jitScalar(([x]) => (where(1, 0, x as unknown as Tensor) as unknown as Var).add(x));
    expect(picked([2])).toBe(2);
  });

  test('a TypeError of fn is reported without blaming the input length', () => {
    const f = jit((xs: number[]) => (xs[0] as unknown as { foo(): number }).foo());
    expect(() => f([1])).toThrow(/jit: tracing fn at \(\[n\]\) failed: .*foo is not a function \(fn runs on tracers/);
    expect(() => f([1])).not.toThrow(/more inputs/);
  });
});

describe('constant folding keeps IEEE results', () => {
  const specials = [Infinity, -Infinity, NaN, -0, 0, 2, -3];
  // Each program would fold to a different IEEE result under a rule like x·0 → 0 or x + 0 → x.
  // Free functions are typed over tensors; on a Var they return a Var.
  const minus = (c: number, x: Var): Var => sub(c, x as unknown as Tensor) as unknown as Var;
  const programs: Record<string, (x: Var) => Var> = {
    x·0: (x) => x.mul(0),
    'x·0 + x': (x) => x.mul(0).add(x),
    '0·x': (x) => x.mul(0).mul(x),
    'x + 0': (x) => x.add(0),
    '(+0) − x': (x) => minus(0, x),
    '(−0) − x': (x) => minus(-0, x),
    'x − (−0)': (x) => x.sub(-0),
    'x·1, x/1, x·(−1), −(−x), x¹': (x) => x.mul(1).div(1).mul(-1).neg().pow(1),
    'x/(−1) + (−0)': (x) => x.div(-1).add(-0),
  };

  test.each(Object.keys(programs))('%s: jit and eager agree on ±∞, NaN and ±0 (value and gradient)', (name) => {
    const f = ([x]: Var[]) => programs[name](x);
    const eager = valueAndGrad(f);
    const jitted = jit(valueAndGrad(f));
    for (const x of specials) {
      const want = eager([x]);
      const got = jitted([x]);
      expect([x, ...(sameIEEE([got.value], [want.value]) ? [] : [got.value, want.value])]).toEqual([x]);
      expect(sameIEEE(got.grad, want.grad)).toBe(true);
    }
  });

  test('tensor programs: the fused loop gives eager mode’s IEEE results', () => {
    const x = tensor(specials);
    const f = (t: Tensor | TensorVar) =>
      (t as Tensor)
        .mul(0)
        .add((t as Tensor).mul(1))
        .add(0);
    const want = (f(x) as Tensor).toArray() as number[];
    expect(sameIEEE((jit(f)(x) as Tensor).toArray() as number[], want)).toBe(true);
    expect(Object.is(want[0], NaN) || Number.isNaN(want[0])).toBe(true);
    expect(Object.is(want[3], 0)).toBe(true);
  });
});

describe('what tracing cannot see', () => {
  test('==, unary +, Math.max and `if` on a traced value on a traced value are refused with a TracingError saying what to write', () => {
    // biome-ignore lint/suspicious/noDoubleEquals: the loose comparison is what is tested
    const loose = jitScalar(([x]) => ((x as unknown as number) == 0 ? 1 : 2));
    expect(() => loose([0])).toThrow(TracingError);
    expect(() => loose([0])).toThrow(/jit: input v0 was read as a number .*where\(condition, a, b\)/);
    expect(() => jitScalar(([x]) => +(x as unknown as number))([1])).toThrow(TracingError);
    expect(() => jitScalar(([x]) => Math.max(x as unknown as number, 1))([1])).toThrow(TracingError);
    // String conversion is allowed (for logging) and names the node.
    expect(jitScalar(([x]) => (`${x}` === 'Tracer(v0 (input))' ? x : x.neg()))([2])).toBe(2);
  });

  test('.primal of a value nested over a traced one is refused with the same TracingError', () => {
    const branchy = jit((a: number) => grad(([v]: Var[]) => (v.primal > 0 ? v.mul(2) : v))([a])[0]);
    expect(() => branchy(3)).toThrow(TracingError);
    expect(() => branchy(3)).toThrow(/jit: input v0 was read as a number/);
  });

  test('=== , switch and Object.is compare the tracer object, never its number (documented: use eq/where)', () => {
    // Eagerly on numbers the branch depends on x; under jit a tracer is never === a number, so the
    // program always takes the other branch. The README's "Sharp edges" says to write where(x.eq(0), …).
    const strict = (xs: number[]) => (xs[0] === 0 ? 1 : 2);
    expect(strict([0])).toBe(1);
    expect(jit(strict)([0])).toBe(2);
    const viaSwitch = (xs: number[]) => {
      switch (xs[0]) {
        case 0:
          return 1;
        default:
          return 2;
      }
    };
    expect(jit(viaSwitch)([0])).toBe(2);
    expect(jit((xs: number[]) => (Object.is(xs[0], 0) ? 1 : 2))([0])).toBe(2);
    // What to write instead: the comparison as an op, the choice with where.
    const chosen = jitScalar(([x]) => where(x.eq(0) as unknown as Tensor, 1, 2));
    expect([chosen([0]), chosen([5])]).toEqual([1, 2]);
  });

  test('a closure constant is read once, when the program is traced (documented: pass it as an argument)', () => {
    let scale = 2;
    const f = jitScalar(([x]) => x.mul(scale));
    expect(f([3])).toBe(6);
    scale = 10;
    expect(f([3])).toBe(6);
    const g = jit((xs: number[], s: number) => (xs[0] as unknown as Var).mul(s));
    expect([g([3], 2), g([3], 10)]).toEqual([6, 30]);
  });

  test('object keys added, removed or reordered between calls are another signature: traced again, never the old program', () => {
    const f = jit((o: Record<string, number>) => Object.keys(o).map((k, i) => (o[k] as unknown as Var).mul(i + 1)));
    expect(f({ a: 1, b: 2 })).toEqual([1, 4]);
    expect(f({ b: 2, a: 1 })).toEqual([2, 2]);
    expect(f({ a: 1, b: 2, c: 3 })).toEqual([1, 4, 9]);
    expect(f({ a: 1 })).toEqual([1]);
    expect(f.stats.traces).toBe(4);
    expect(f.stats.signatures).toEqual(['({"a":n,"b":n})', '({"b":n,"a":n})', '({"a":n,"b":n,"c":n})', '({"a":n})']);
    // The same keys again use the cached program.
    expect(f({ b: 5, a: 1 })).toEqual([5, 2]);
    expect(f.stats.traces).toBe(4);
  });

  test('keys that look like code or like __proto__ are plain keys, in and out', () => {
    const weird = { 'a"]; globalThis.JIT_KEY_PWNED = 1; //': 1, __proto__x: 2, ['__proto__']: 3 } as Record<string, number>;
    Object.defineProperty(weird, '__proto__', { value: 3, enumerable: true, writable: true, configurable: true });
    const f = jit((o: Record<string, number>) => {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o))
        Object.defineProperty(out, k, { value: (o[k] as unknown as Var).add(1), enumerable: true, writable: true, configurable: true });
      return out;
    });
    const got = f(weird) as Record<string, number>;
    expect(Object.keys(got)).toEqual(Object.keys(weird));
    expect(Object.values(got)).toEqual(Object.values(weird).map((v) => v + 1));
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect((globalThis as Record<string, unknown>).JIT_KEY_PWNED).toBeUndefined();
    expect(f.source).not.toContain('JIT_KEY_PWNED');
  });
});

describe('side effects happen at trace time', () => {
  test('a random draw inside fn is a constant of the program (documented: draw outside, pass it in)', () => {
    const f = jit((t: Tensor) => t.add(randn([2])));
    const x = tensor([0, 0]);
    const first = (f(x) as Tensor).toArray();
    expect((f(x) as Tensor).toArray()).toEqual(first);
    const g = jit((t: Tensor, noise: Tensor) => t.add(noise));
    expect((g(x, tensor([1, 2])) as Tensor).toArray()).toEqual([1, 2]);
    expect((g(x, tensor([3, 4])) as Tensor).toArray()).toEqual([3, 4]);
  });
});
