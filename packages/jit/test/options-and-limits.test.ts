/**
 * jit's options (check mode, the bounded cache), what reaches the emitted source, the sizes it
 * must survive (3×10⁵ ops, 10⁴-deep arrays) and bad input to its public API (issue 23).
 */
import { DTypeError, type Op, type Tensor, ValueError, custom, tensor } from '@ad/core';
import { anyInterpreter } from '@ad/core/engine';
import { grad, valueAndGrad, type Var } from '@ad/reverse';
import { JitCheckError, jit } from '../src/index.js';

const jitScalar = (f: (xs: Var[]) => unknown, options?: Parameters<typeof jit>[1]): ((xs: number[]) => unknown) =>
  jit(f as unknown as (xs: number[]) => unknown, options);

describe('check mode', () => {
  test('the first call of each program is compared with eager mode; agreeing results are returned', () => {
    const f = (xs: Var[]) => xs.reduce((acc, x) => acc.add(x.sin().mul(x)), xs[0].mul(0));
    const g = jit(valueAndGrad(f), { check: true });
    const want = valueAndGrad(f)([0.5, -1.25]);
    expect(g([0.5, -1.25])).toEqual(want);
    expect(g([0.5, -1.25, 3])).toEqual(valueAndGrad(f)([0.5, -1.25, 3]));
    expect(g.stats.traces).toBe(2);
  });

  test('a program that differs from eager is named at its first differing output', () => {
    // A closure that changes on every call: the trace and the eager run see different values.
    let k = 0;
    const drifting = jit(
      (t: Tensor) => {
        k++;
        return { a: t.mul(1), b: [t.mul(2), t.mul(k)] };
      },
      { check: true },
    );
    expect(() => drifting(tensor([1, 2, 3]))).toThrow(JitCheckError);
    k = 0;
    expect(() => drifting(tensor([1, 2, 3]))).toThrow(
      'jit: check: the program compiled for (T[3]) differs from eager mode at the result.b[1] (element 0 in row-major order): 1 (compiled) vs 2 (eager)',
    );
  });

  test('NaN and ±∞ must match exactly; values within the tolerance pass', () => {
    // Traced first, then run eagerly: two computations with the same NaN and ∞ pattern pass
    // (1/0 = ∞·1 = ∞, 0/0 = ∞·0 = NaN), a flipped sign of ∞ does not.
    const twoWays = (eagerWay: (t: Tensor) => Tensor) => {
      let traced = false;
      return (t: Tensor) => {
        const out = traced ? eagerWay(t) : t.div(0);
        traced = true;
        return out;
      };
    };
    expect(
      (
        jit(
          twoWays((t) => t.mul(Infinity)),
          { check: true },
        )(tensor([1, 0])) as Tensor
      ).toArray(),
    ).toEqual([Infinity, NaN]);
    expect(() =>
      jit(
        twoWays((t) => t.neg().div(0)),
        { check: true },
      )(tensor([1, 0])),
    ).toThrow(
      'jit: check: the program compiled for (T[2]) differs from eager mode at the result (element 0 in row-major order): Infinity (compiled) vs -Infinity (eager)',
    );
    expect(() =>
      jit(
        twoWays((t) => t.mul(0).add(1).div(0)),
        { check: true },
      )(tensor([1, 0])),
    ).toThrow(/element 1 in row-major order\): NaN \(compiled\) vs Infinity/);
    let second = false;
    const tiny = jit(
      (t: Tensor) => {
        const bump = second ? 1e-15 : 0;
        second = true;
        return t.add(bump);
      },
      { check: { rtol: 1e-12 } },
    );
    // Traced with + 0 (kept: it is not x at x = −0), eager adds 1e-15 to 1: within 1e-12 relative.
    expect((tiny(tensor([1])) as Tensor).toArray()).toEqual([1]);
    const scaled = jit((t: Tensor, s: number) => t.mul(s), { check: true });
    expect((scaled(tensor([2]), 3) as Tensor).toArray()).toEqual([6]);
  });

  test('a function that cannot run eagerly on plain values is reported as such', () => {
    const f = jitScalar(([x]) => x.mul(2), { check: true });
    expect(() => f([1])).toThrow(/jit: check: fn failed when run eagerly on the arguments of \(\[n\]\) .*jit\(grad\(f\)\)/);
  });
});

describe('the cache is bounded', () => {
  test('least recently used programs are evicted; results stay right after eviction', () => {
    const f = jit((t: Tensor) => t.mul(t).sum(), { cacheSize: 2 });
    const at = (n: number) => tensor(Array.from({ length: n }, (_, i) => i + 1));
    const want = (n: number) => (n * (n + 1) * (2 * n + 1)) / 6;
    expect((f(at(1)) as Tensor).item()).toBe(want(1));
    expect((f(at(2)) as Tensor).item()).toBe(want(2));
    expect((f(at(1)) as Tensor).item()).toBe(want(1));
    expect(f.stats).toMatchObject({ traces: 2, evictions: 0, signatures: ['(T[2])', '(T[1])'] });
    // [3] evicts the least recently used, [2]; [1] stays.
    expect((f(at(3)) as Tensor).item()).toBe(want(3));
    expect(f.stats).toMatchObject({ traces: 3, evictions: 1, signatures: ['(T[1])', '(T[3])'] });
    expect((f(at(1)) as Tensor).item()).toBe(want(1));
    expect(f.stats.traces).toBe(3);
    expect((f(at(2)) as Tensor).item()).toBe(want(2));
    expect(f.stats).toMatchObject({ traces: 4, evictions: 2, signatures: ['(T[1])', '(T[2])'] });
  });

  test('the default keeps 64 programs', () => {
    const f = jit((t: Tensor) => t.sum());
    for (let n = 1; n <= 70; n++) expect((f(tensor(new Array<number>(n).fill(1))) as Tensor).item()).toBe(n);
    expect(f.stats.signatures).toHaveLength(64);
    expect(f.stats.evictions).toBe(6);
  });
});

describe('nothing from user data becomes code', () => {
  test('an op parameter carrying a line break, U+2028, U+2029 or */ is read from scope, never written into the program', () => {
    const g = globalThis as Record<string, unknown>;
    // The op's primal ignores its parameter: only the emitter could run it.
    const tagged: Op<string> = custom<string>({
      name: 'tagged',
      arity: 1,
      primal: ([x]) => x.mul(2),
      jvp:
        (o) =>
        ([xDot]) =>
          xDot === null ? null : o.mul(xDot, 2),
      vjp: (o) => (yBar, needs) => [needs[0] ? o.mul(yBar, 2) : null],
    });
    for (const breakOut of ['\n', '\u2028', '\u2029', '*/', '\r']) {
      const payload = `${breakOut}globalThis.JIT_PARAM_PWNED = 1; //`;
      const f = jit((t: Tensor) => anyInterpreter.apply(tagged as Op<unknown>, [t], payload) as Tensor);
      expect((f(tensor([1, 2])) as Tensor).toArray()).toEqual([2, 4]);
      expect((f(tensor([1, 2])) as Tensor).toArray()).toEqual([2, 4]);
      expect(g.JIT_PARAM_PWNED).toBeUndefined();
      expect(f.source).not.toContain('JIT_PARAM_PWNED');
    }
  });

  test('an op name with a line terminator is reduced to identifier characters in comments', () => {
    const g = globalThis as Record<string, unknown>;
    const payload = 'x\u2028globalThis.JIT_NAME_PWNED = 1; //';
    // The helpers refuse such a name (core checks it)…
    expect(() => custom<undefined>({ name: payload, arity: 1, primal: ([x]) => x, jvp: () => () => null, vjp: () => () => [null] })).toThrow(
      /custom: the op's name must be an identifier/,
    );
    // …and jit does not rely on that: an op whose name was changed after it was made still
    // reaches emitted source only as identifier characters.
    const valid: Op<undefined> = custom<undefined>({
      name: 'jitNameProbe',
      arity: 1,
      primal: ([x]) => x.neg(),
      jvp:
        (o) =>
        ([xDot]) =>
          xDot === null ? null : o.neg(xDot),
      vjp: (o) => (yBar, needs) => [needs[0] ? o.neg(yBar) : null],
    });
    const named = Object.create(valid, { name: { value: payload } }) as Op<undefined>;
    const f = jit((t: Tensor) => anyInterpreter.apply(named as Op<unknown>, [t], undefined) as Tensor);
    expect((f(tensor([1])) as Tensor).toArray()).toEqual([-1]);
    expect(g.JIT_NAME_PWNED).toBeUndefined();
    expect(f.source).not.toMatch(/[\u2028\u2029]/);
  });
});

describe('sizes that must not overflow the stack', () => {
  test('a 3×10⁵-op program compiles and runs (its numbers live in one array past 2×10⁴ locals)', () => {
    const chain = ([x]: Var[]) => {
      let y = x;
      for (let i = 0; i < 300000; i++) y = y.sin();
      return y;
    };
    const f = jitScalar(chain);
    let want = 0.5;
    for (let i = 0; i < 300000; i++) want = Math.sin(want);
    expect(f([0.5])).toBe(want);
    expect(f([0.5])).toBe(want);
  }, 60000);

  test('a 10⁵-op program on tensors compiles and runs (scope in one object, tensors in one array past 2×10⁴ locals)', () => {
    // Each step is a view op (a parameter object in scope, a tensor local) and an element-wise
    // one: 10⁵ nodes, as the level-by-level determinant of a 9 × 9 matrix on 0-d tensors.
    const steps = 50000;
    const chain = (x: Tensor) => {
      let y = x;
      for (let i = 0; i < steps; i++) y = y.flip().mul(1.5);
      return y;
    };
    const f = jit(chain);
    const x = tensor([1, 2, 3]);
    const want = chain(x).toArray();
    expect((f(x) as Tensor).toArray()).toEqual(want);
    expect((f(x) as Tensor).toArray()).toEqual(want);
  }, 60000);

  test('past 300 ops each fused loop is a kernel function of its own, one per distinct loop, with the results of eager mode', () => {
    // V8 leaves a function past ~60 KB of bytecode unoptimised: loops inline in a large program
    // ran in the interpreter. 200 identical steps share their kernels.
    const steps = (x: Tensor) => {
      let y = x;
      for (let i = 0; i < 200; i++) y = y.mul(1.25).add(x).flip();
      return y;
    };
    const f = jit(steps);
    const x = tensor([1, 2, 3, 4]);
    expect((f(x) as Tensor).toArray()).toEqual(steps(x).toArray());
    const kernels = f.source.match(/^function k\d+\(/gm) ?? [];
    expect(kernels.length).toBeGreaterThan(0);
    expect(kernels.length).toBeLessThanOrEqual(3);
    const small = jit((y: Tensor) => y.mul(2).add(1));
    expect((small(x) as Tensor).toArray()).toEqual([3, 5, 7, 9]);
    expect(small.source).not.toMatch(/^function k/m);
  });

  test('10⁴-deep nested arrays in and out', () => {
    let x: unknown = 2;
    for (let i = 0; i < 10000; i++) x = [x];
    const f = jit((a: unknown) => {
      let inner = a;
      const path: unknown[][] = [];
      while (Array.isArray(inner)) {
        path.push(inner);
        inner = inner[0];
      }
      let out: unknown = (inner as Var).mul(3);
      for (let i = 0; i < path.length; i++) out = [out];
      return out;
    });
    let y = f(x as never) as unknown;
    let depth = 0;
    while (Array.isArray(y)) {
      y = y[0];
      depth++;
    }
    expect([depth, y]).toEqual([10000, 6]);
    // Another depth is another signature; a circular argument is refused by name.
    const loop: unknown[] = [1];
    loop.push(loop);
    expect(() => f(loop as never)).toThrow(new DTypeError('jit', 'argument 0[1] contains itself; a circular structure cannot be traced'));
  }, 60000);
});

describe('bad input to jit is refused by name', () => {
  test.each([
    [null, /jit: expected a function to compile, got null/],
    [5, /jit: expected a function to compile, got number/],
    ['x => x', /jit: expected a function to compile, got string/],
  ])('jit(%p)', (fn, message) => {
    expect(() => jit(fn as never)).toThrow(DTypeError);
    expect(() => jit(fn as never)).toThrow(message);
  });

  test.each([
    [null, DTypeError, /jit: options must be a plain object/],
    [5, DTypeError, /jit: options must be a plain object/],
    [{ chek: true }, ValueError, /jit: unknown option "chek"; the options are check and cacheSize/],
    [{ check: 'yes' }, DTypeError, /jit: check must be true, false or \{ rtol\?, atol\? \}, got string/],
    [{ check: 1 }, DTypeError, /jit: check must be true, false/],
    [{ check: { rtol: -1 } }, ValueError, /jit: check.rtol must be a finite number ≥ 0, got -1/],
    [{ check: { atol: Number.NaN } }, ValueError, /jit: check.atol must be a finite number ≥ 0, got NaN/],
    [{ check: { tol: 1 } }, ValueError, /jit: unknown check option "tol"/],
    [{ cacheSize: 0 }, ValueError, /jit: cacheSize must be an integer ≥ 1 \(programs kept\), got 0/],
    [{ cacheSize: 2.5 }, ValueError, /jit: cacheSize must be an integer ≥ 1/],
    [{ cacheSize: Infinity }, ValueError, /jit: cacheSize must be an integer ≥ 1/],
    [{ cacheSize: '64' }, ValueError, /jit: cacheSize must be an integer ≥ 1 \(programs kept\), got string/],
  ])('jit(f, %p)', (options, Kind, message) => {
    expect(() => jit((x: number) => x, options as never)).toThrow(Kind);
    expect(() => jit((x: number) => x, options as never)).toThrow(message);
  });

  test('valid options are accepted', () => {
    expect(
      jit(
        grad(([x]: Var[]) => x.square()),
        { check: false, cacheSize: 1 },
      )([3]),
    ).toEqual([6]);
    expect(
      jit(
        grad(([x]: Var[]) => x.square()),
        { check: { rtol: 0, atol: 0 } },
      )([3]),
    ).toEqual([6]);
  });
});
