/**
 * Property tests of the op table and the tensor core (fast-check):
 * - every differentiable op on random shapes and parameters (broadcast partners, axis sets,
 *   keepdims, permutations, slices, matmul batch broadcasting, 0-d and empty tensors): its
 *   forward and reverse rules against central finite differences and against each other
 *   (⟨x̄, v⟩ = ⟨ȳ, J v⟩), through the shared checker;
 * - chains of views (permute, slice with steps, broadcast, reshape, expandDims) followed by an
 *   element-wise op and a reduction, against a naive model that moves numbers by index
 *   arithmetic: strides and offsets of views of views of views.
 *
 * Failures print fast-check's seed and path; AD_PROPERTY_SEED / AD_PROPERTY_PATH replay them.
 */
import fc from 'fast-check';
import { Generator, type Tensor, checkGradients, opRules, type Op } from '../src/index.js';
import { isOp, ops, table, tensorOps as T } from '../src/engine/index.js';
import { opSpecs, specName } from '@ad/test-support/op-specs';
import { RUNS, fcParams } from '@ad/test-support/properties';
import { randomTensor, type Domain } from '@ad/test-support/helpers';

/**
 * The differentiable element-wise ops of the table, of one and two operands, each with the input
 * domains of its spec line: read off the table, so a new op is in these pools at once.
 */
function elementwisePool(arity: number): { op: Op<never>; domains: Domain[] }[] {
  return Object.values(table)
    .filter((e): e is Op<never> => isOp(e) && e.elementwise !== undefined && e.differentiable && e.arity === arity)
    .map((op) => ({ op, domains: (opSpecs.find(([, spec]) => specName(spec) === op.name)?.[1].domains ?? []) as Domain[] }));
}
const U = elementwisePool(1);
const B = elementwisePool(2);
const R = ['sum', 'mean', 'max', 'min', 'logsumexp'] as const;

/** One op applied to random inputs: the op, its parameters, the inputs, which inputs to differentiate. */
interface Case {
  label: string;
  op: Op<never>;
  params: unknown;
  xs: Tensor[];
  wrt?: number[];
  /** Smallest gap between competing values (max/min, maximum/minimum): finite differences need room. */
  gap: number;
}

const shapeArb = (maxRank = 3, minDim = 1) => fc.array(fc.integer({ min: minDim, max: 3 }), { maxLength: maxRank });

/** A shape that broadcasts with `s`: leading axes dropped, some set to 1. */
function partner(s: readonly number[], drop: number, ones: number): number[] {
  return s.slice(drop % (s.length + 1)).map((d, i) => ((ones >> i) & 1 ? 1 : d));
}

function minGap(values: Float64Array): number {
  const v = Array.from(values).sort((a, b) => a - b);
  let g = Infinity;
  for (let i = 1; i < v.length; i++) if (v[i] !== v[i - 1]) g = Math.min(g, v[i] - v[i - 1]);
  return g;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    kind: fc.constantFrom('unary', 'unary', 'binary', 'binary', 'where', 'reduce', 'reduce', 'softmax', 'shape', 'shape', 'matmul', 'matmul'),
    name: fc.nat(99),
    shape: shapeArb(),
    empty: fc.integer({ min: 0, max: 19 }),
    p: fc.nat(1023),
    q: fc.nat(1023),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
  })
  .map(({ kind, name, shape, empty, p, q, seed }): Case => {
    const g = new Generator(seed);
    const rnd = (s: readonly number[], d: Domain = 'real') => randomTensor(g, s, d);
    // One case in twenty has an empty axis, where the op allows it.
    const s = empty === 0 && shape.length > 0 ? shape.map((d, i) => (i === p % shape.length ? 0 : d)) : shape;
    switch (kind) {
      case 'unary': {
        const { op, domains } = U[name % U.length];
        return { label: `${op.name} ${JSON.stringify(s)}`, op, params: undefined, xs: [rnd(s, domains[0] ?? 'real')], gap: Infinity };
      }
      case 'binary': {
        const { op, domains } = B[name % B.length];
        const other = partner(s, q, p);
        const [da = 'real', db = 'real'] = domains;
        // Which operand is broadcast: either, where both take the same domain.
        const swap = (q >> 5) & 1 && da === db;
        const xs = swap ? [rnd(other, db), rnd(s, da)] : [rnd(s, da), rnd(other, db)];
        const gap = op.name === 'maximum' || op.name === 'minimum' ? Math.min(...T.sub(xs[0], xs[1]).abs().toFloat64Array()) : Infinity;
        return { label: `${op.name} ${JSON.stringify(xs[0].shape)} ${JSON.stringify(xs[1].shape)}`, op, params: undefined, xs, gap };
      }
      case 'where': {
        const xs = [rnd(partner(s, q, p), 'mask'), rnd(s), rnd(partner(s, p, q))];
        return {
          label: `where ${xs.map((x) => JSON.stringify(x.shape)).join(' ')}`,
          op: ops.where as Op<never>,
          params: undefined,
          xs,
          wrt: [1, 2],
          gap: Infinity,
        };
      }
      case 'reduce': {
        const op = R[name % R.length];
        // Over an empty axis only sum is defined (0); max and min are refused, and mean gives
        // 0/0 = NaN (reported with issue 8).
        const shp = op === 'sum' ? s : shape;
        const axes = shp.map((_, i) => i).filter((i) => (p >> i) & 1);
        const x = rnd(shp);
        const gap = op === 'max' || op === 'min' ? minGap(x.toFloat64Array()) : Infinity;
        return {
          label: `${op} ${JSON.stringify(shp)} axes ${JSON.stringify(axes)}`,
          op: ops[op] as Op<never>,
          params: { axes, keepdims: (q & 1) === 1 },
          xs: [x],
          gap,
        };
      }
      case 'softmax': {
        const shp = shape.length === 0 ? [1 + (p % 3)] : shape;
        const op = name % 2 === 0 ? ops.softmax : ops.logSoftmax;
        return { label: `${op.name} ${JSON.stringify(shp)}`, op: op as Op<never>, params: { axis: q % shp.length }, xs: [rnd(shp)], gap: Infinity };
      }
      case 'shape': {
        const x = rnd(s);
        const rank = s.length;
        switch (name % 5) {
          case 0: {
            const perm = Array.from({ length: rank }, (_, i) => i);
            g.shuffle(perm);
            return { label: `permute ${JSON.stringify(s)} ${JSON.stringify(perm)}`, op: ops.permute as Op<never>, params: { perm }, xs: [x], gap: Infinity };
          }
          case 1: {
            const target = [1 + (q % 3), ...s.map((d, i) => (d === 1 && (p >> i) & 1 ? 3 : d))];
            return {
              label: `broadcastTo ${JSON.stringify(s)} → ${JSON.stringify(target)}`,
              op: ops.broadcastTo as Op<never>,
              params: { shape: target },
              xs: [x],
              gap: Infinity,
            };
          }
          case 2: {
            const big = [1 + (q % 2), ...s];
            const target = s.map((d, i) => ((p >> i) & 1 ? 1 : d));
            return {
              label: `sumToShape ${JSON.stringify(big)} → ${JSON.stringify(target)}`,
              op: ops.sumToShape as Op<never>,
              params: { shape: target },
              xs: [rnd(big)],
              gap: Infinity,
            };
          }
          case 3: {
            const target = [...s].reverse();
            return {
              label: `reshape ${JSON.stringify(s)} → ${JSON.stringify(target)}`,
              op: ops.reshape as Op<never>,
              params: { shape: target },
              xs: [x],
              gap: Infinity,
            };
          }
          default: {
            const axes = s.map((d, i) => {
              const step = ((q >> (2 * i)) & 3) - 1 || 2; // -1, 1 or 2
              const start = step > 0 ? (p >> i) % Math.max(d, 1) : d - 1;
              const count = d === 0 ? 0 : Math.max(1, Math.floor((step > 0 ? d - start - 1 : start) / Math.abs(step)) + 1);
              return { start: d === 0 ? 0 : start, step, count, drop: false };
            });
            return { label: `slice ${JSON.stringify(s)} ${JSON.stringify(axes)}`, op: ops.slice as Op<never>, params: { axes }, xs: [x], gap: Infinity };
          }
        }
      }
      default: {
        // matmul [..., m, k] · [..., k, n] with broadcast batch axes (and empty sizes).
        const [m, k, n] = [s[0] ?? 2, s[1] ?? 3, s[2] ?? 1];
        const batch = p % 3 === 0 ? [] : [1 + (p % 2)];
        const other = (q & 1) === 1 ? [] : batch.map((b) => ((q >> 1) & 1 ? 1 : b));
        const xs = [rnd([...batch, m, k]), rnd([...other, k, n])];
        return {
          label: `matmul ${JSON.stringify(xs[0].shape)} ${JSON.stringify(xs[1].shape)}`,
          op: ops.matmul as Op<never>,
          params: undefined,
          xs,
          gap: Infinity,
        };
      }
    }
  })
  .map((c) => Object.assign(c, { [fc.toStringMethod]: () => c.label }));

describe('op rules on random shapes and parameters', () => {
  test(`${RUNS.coreOpsRandomShapes.toLocaleString('en')} random (op, shapes, params): forward and reverse rules against finite differences and each other`, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const target = opRules(c.op, c.params as never);
        // Near a tie the finite difference straddles the kink: check only the cross-mode identity there.
        if (c.gap < 1e-4) {
          const report = checkGradients(c.label, { f: target.f, jvp: target.jvp }, c.xs, { wrt: c.wrt });
          expect(report.jvpError).toBeGreaterThanOrEqual(0);
          return;
        }
        const report = checkGradients(c.label, target, c.xs, { wrt: c.wrt, directions: 2, identityRtol: 1e-8 });
        expect(report.jvpError).toBeLessThanOrEqual(1);
        expect(report.vjpError).toBeLessThanOrEqual(1);
      }),
      fcParams(RUNS.coreOpsRandomShapes),
    );
  });
});

// ------------------------------------------------------------------------------------------ views

/** The naive model: a row-major list of numbers and a shape, every op by index arithmetic. */
interface Naive {
  shape: number[];
  data: number[];
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let a = 0; a < shape.length; a++) i = i * shape[a] + idx[a];
  return i;
}

function build(shape: number[], at: (idx: number[]) => number): Naive {
  return { shape, data: Array.from({ length: sizeOf(shape) }, (_, i) => at(unravel(i, shape))) };
}

const naive = {
  permute: (x: Naive, perm: number[]) =>
    build(
      perm.map((p) => x.shape[p]),
      (idx) =>
        x.data[
          ravel(
            perm.map((_, a) => idx[perm.indexOf(a)]),
            x.shape,
          )
        ],
    ),
  slice: (x: Naive, axis: number, start: number, step: number, count: number) =>
    build(
      x.shape.map((d, a) => (a === axis ? count : d)),
      (idx) =>
        x.data[
          ravel(
            idx.map((v, a) => (a === axis ? start + v * step : v)),
            x.shape,
          )
        ],
    ),
  broadcast: (x: Naive, shape: number[]) =>
    build(
      shape,
      (idx) =>
        x.data[
          ravel(
            x.shape.map((d, a) => (d === 1 ? 0 : idx[idx.length - x.shape.length + a])),
            x.shape,
          )
        ],
    ),
  reshape: (x: Naive, shape: number[]) => ({ shape, data: x.data.slice() }),
  sum: (x: Naive, axis: number) => {
    const shape = x.shape.filter((_, a) => a !== axis);
    const out = build(shape, () => 0);
    x.data.forEach((v, i) => {
      const idx = unravel(i, x.shape).filter((_, a) => a !== axis);
      out.data[ravel(idx, shape)] += v;
    });
    return out;
  },
};

describe('chains of views against index arithmetic', () => {
  test(`${RUNS.coreKernels.toLocaleString('en')} random chains of permute, slice, broadcast, reshape, expandDims, then an element-wise op and a sum`, () => {
    fc.assert(
      fc.property(
        fc.record({
          shape: shapeArb(3),
          steps: fc.array(fc.record({ kind: fc.nat(4), p: fc.nat(255), q: fc.nat(255) }), { maxLength: 6 }),
          op: fc.constantFrom('add', 'mul', 'sub', 'maximum'),
          axis: fc.nat(7),
          seed: fc.integer({ min: 1, max: 0x7fffffff }),
        }),
        ({ shape, steps, op, axis, seed }) => {
          const g = new Generator(seed);
          let x = randomTensor(g, shape);
          let m: Naive = { shape: [...shape], data: Array.from(x.toFloat64Array()) };
          for (const { kind, p, q } of steps) {
            const rank = m.shape.length;
            if (kind === 0 && rank > 1) {
              const perm = Array.from({ length: rank }, (_, i) => i);
              for (let i = rank - 1; i > 0; i--) {
                const j = (p + q * i) % (i + 1);
                [perm[i], perm[j]] = [perm[j], perm[i]];
              }
              x = x.permute(perm);
              m = naive.permute(m, perm);
            } else if (kind === 1 && rank > 0) {
              const a = p % rank;
              const d = m.shape[a];
              if (d === 0) continue;
              const step = q % 3 === 0 ? -1 : 1 + (q % 2);
              const start = step > 0 ? q % d : d - 1 - (q % d);
              const count = step > 0 ? Math.ceil((d - start) / step) : start + 1;
              const ranges: ([number, null, number] | null)[] = m.shape.map(() => null);
              ranges[a] = [start, null, step];
              x = x.slice(...ranges);
              m = naive.slice(m, a, start, step, count);
            } else if (kind === 2 && sizeOf(m.shape) < 200) {
              const target = [1 + (p % 3), ...m.shape.map((d, i) => (d === 1 && (q >> i) & 1 ? 2 : d))];
              x = x.broadcastTo(target);
              m = naive.broadcast(m, target);
            } else if (kind === 3) {
              const target = p % 2 === 0 ? [sizeOf(m.shape)] : [...m.shape].reverse();
              x = x.reshape(target);
              m = naive.reshape(m, target);
            } else if (kind === 4) {
              const a = p % (rank + 1);
              x = x.expandDims(a);
              m = naive.reshape(m, [...m.shape.slice(0, a), 1, ...m.shape.slice(a)]);
            }
          }
          expect([...x.shape]).toEqual(m.shape);
          expect(Array.from(x.toFloat64Array())).toEqual(m.data);
          // An element-wise op with a fresh operand of a broadcasting shape, then a sum over one axis.
          const other = m.shape.map((d, i) => ((axis >> i) & 1 ? 1 : d));
          const y = randomTensor(g, other);
          const f = { add: (a: number, b: number) => a + b, mul: (a: number, b: number) => a * b, sub: (a: number, b: number) => a - b, maximum: Math.max }[op];
          const yv = naive.broadcast({ shape: other, data: Array.from(y.toFloat64Array()) }, m.shape);
          const z = (T as unknown as Record<string, (a: Tensor, b: Tensor) => Tensor>)[op](x, y);
          const mz: Naive = { shape: m.shape, data: m.data.map((v, i) => f(v, yv.data[i])) };
          expect(Array.from(z.toFloat64Array())).toEqual(mz.data);
          if (m.shape.length > 0) {
            const a = axis % m.shape.length;
            const s = T.sum(z, a);
            const ms = naive.sum(mz, a);
            const got = s.toFloat64Array();
            ms.data.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v)) * (1 + m.shape[a])));
          }
        },
      ),
      fcParams(RUNS.coreKernels),
    );
  });
});

describe('the property tests check at least 10,000 random programs per run', () => {
  test('the per-property run counts add up', () => {
    const total = Object.values(RUNS).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(10_000);
  });
});
