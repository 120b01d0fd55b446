/**
 * lstm: the ADBench loss of an l-layer LSTM with diagonal weights over a c-character text of
 * b bits per character. Layer i has, for each gate (forget f, input g, output o, change z), a
 * weight and a bias [b]-vector, and a state (hidden h, cell s). At step t, with u the layer's
 * input (x_t·w_in for the first layer, the layer below's new h otherwise), element-wise:
 *
 *   f = σ(u·w_f + b_f)   g = σ(h·w_g + b_g)   o = σ(u·w_o + b_o)   z = tanh(h·w_z + b_z)
 *   s ← f·s + g·z        h ← o·tanh(s)
 *
 * The prediction is y_t = h_t·w_out + b_out (h of the last layer), and the loss
 * L = −Σ_{t<c−1} Σ_j x_{t+1,j}·(y_{t,j} − log(2 + Σ_k exp y_{t,k})) / ((c − 1)·b).
 *
 * Structure. Layer i at step t needs only layer i at t − 1 and layer i − 1 at t, so the layers
 * run one after the other, each over the whole sequence: a layer maps its input sequence
 * U: [T, b] (T = c − 1) to its states [T, 2b] (h and s per step). Everything outside the
 * recurrence is array math over all T steps at once — the first layer's input X·w_in, the
 * predictions Y = H·w_out + b_out, the row-wise log-sum-exp and the loss — as tensor ops.
 *
 * The recurrence itself is T sequential steps of element-wise work on [b]-vectors (b = 14):
 * as tensor ops that is ~17 ops of 14 elements per layer and step (≈ 10⁶ ops at l = 6,
 * c = 8192), whose per-op cost and tape dominate. So one step of one layer is a scalar
 * program, `cellStep` ([w; h, s; u] ↦ [h′, s′]), compiled by `jit` into straight-line code
 * (≈ 240 statements), and its pullback is `jit(vjp(cellStep))` (≈ 670). A layer over the whole
 * sequence is one op of the table, `lstmLayer`, defined with `custom` and `registerOp` as any
 * user extends @ad: its primal runs the compiled step T times; its reverse rule runs the
 * compiled pullback from the last step to the first, carrying the state's adjoint from step to
 * step and summing the weights' (the reverse sweep of a loop, as JAX's `scan` transposes it).
 * @ad/jit's `scan` over a tensor step does the same without a custom op, but measured slower
 * here (gradient 231 against 164 ms at l = 6, c = 8192; README, lstm): its step is tensor code
 * on 14 elements, this one scalar code. The gradient of L is then `grad` over θ = (main_params,
 * extra_params) packed in one vector — the eval's output layout — through l `lstmLayer` nodes
 * and the tensor ops.
 */
import { type Algebra, DTypeError, ShapeError, Tensor, custom, fromData, registerOp, tensor } from '@ad/core';
import { jit } from '@ad/jit';
import { type TensorVar, type Var, grad, vjp } from '@ad/reverse';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

/** What `cellStep` computes with: numbers traced by jit, or reverse-mode `Var`s inside vjp. */
interface Scalar {
  add(y: Scalar | number): Scalar;
  mul(y: Scalar | number): Scalar;
  sigmoid(): Scalar;
  tanh(): Scalar;
}

/**
 * One step of one layer, element-wise over the b units: p = [w (8b: weights f, g, o, z, then
 * biases f, g, o, z); h, s (2b); u (b)] ↦ [h′, s′] (2b).
 */
function cellStep(p: readonly Scalar[], b: number): Scalar[] {
  const out = new Array<Scalar>(2 * b);
  const H = 8 * b;
  const S = 9 * b;
  const U = 10 * b;
  for (let j = 0; j < b; j++) {
    const u = p[U + j];
    const h = p[H + j];
    const f = u
      .mul(p[j])
      .add(p[4 * b + j])
      .sigmoid();
    const g = h
      .mul(p[b + j])
      .add(p[5 * b + j])
      .sigmoid();
    const o = u
      .mul(p[2 * b + j])
      .add(p[6 * b + j])
      .sigmoid();
    const z = h
      .mul(p[3 * b + j])
      .add(p[7 * b + j])
      .tanh();
    const s = f.mul(p[S + j]).add(g.mul(z));
    out[j] = o.mul(s.tanh());
    out[b + j] = s;
  }
  return out;
}

/** The compiled step and its pullback for b units (one program per b: b is fixed by the text). */
interface Compiled {
  step: (p: number[]) => number[];
  pullback: (p: number[], outBar: number[]) => number[];
}
const compiled = new Map<number, Compiled>();
function compiledFor(b: number): Compiled {
  let c = compiled.get(b);
  if (c === undefined) {
    c = {
      step: jit((p: number[]) => cellStep(p as unknown as Scalar[], b) as unknown as number[]),
      pullback: jit((p: number[], outBar: number[]) => vjp((q: Var[]) => cellStep(q as unknown as Scalar[], b) as unknown as Var[], p).vjp(outBar)),
    };
    compiled.set(b, c);
  }
  return c;
}

/** Checks lstmLayer's operands: w [8b], state [2b], U [T, b]; returns b and T. */
function sizes(w: Tensor, state: Tensor, u: Tensor): { b: number; T: number } {
  if (u.ndim !== 2) throw new ShapeError('lstmLayer', `expects the input sequence as [T, b], got [${u.shape.join(', ')}]`);
  const [T, b] = u.shape;
  if (w.ndim !== 1 || w.shape[0] !== 8 * b || state.ndim !== 1 || state.shape[0] !== 2 * b) {
    throw new ShapeError('lstmLayer', `expects weights [8b] and state [2b] for b = ${b}, got [${w.shape.join(', ')}] and [${state.shape.join(', ')}]`);
  }
  return { b, T };
}

/** The layer's states at every step: [T, 2b], row t = [h_t, s_t] after step t. */
function layerPrimal([w, state, u]: readonly Tensor[]): Tensor {
  const { b, T } = sizes(w, state, u);
  const { step } = compiledFor(b);
  const p = [...w.toFloat64Array(), ...state.toFloat64Array(), ...new Array<number>(b).fill(0)] as number[];
  const uData = u.toFloat64Array();
  const out = new Float64Array(T * 2 * b);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < b; j++) p[10 * b + j] = uData[t * b + j];
    const next = step(p);
    for (let j = 0; j < 2 * b; j++) {
      out[t * 2 * b + j] = next[j];
      p[8 * b + j] = next[j];
    }
  }
  return fromData(out, [T, 2 * b]);
}

/**
 * The reverse rule: from the last step to the first, the step's pullback at its inputs maps
 * the adjoint of [h′, s′] (the layer output's row plus what the next step sent back) to the
 * adjoints of w (summed over steps), of the previous state (sent to the step before) and of
 * u_t (row t of Ū).
 */
function layerPullback(w: Tensor, state: Tensor, u: Tensor, y: Tensor, yBar: Tensor): Tensor[] {
  const { b, T } = sizes(w, state, u);
  const { pullback } = compiledFor(b);
  const p = [...w.toFloat64Array(), ...new Array<number>(3 * b).fill(0)] as number[];
  const uData = u.toFloat64Array();
  const yData = y.toFloat64Array();
  const yBarData = yBar.toFloat64Array();
  const s0 = state.toFloat64Array();
  const wBar = new Float64Array(8 * b);
  const uBar = new Float64Array(T * b);
  const carry = new Array<number>(2 * b).fill(0);
  for (let t = T - 1; t >= 0; t--) {
    for (let j = 0; j < 2 * b; j++) {
      p[8 * b + j] = t === 0 ? s0[j] : yData[(t - 1) * 2 * b + j];
      carry[j] += yBarData[t * 2 * b + j];
    }
    for (let j = 0; j < b; j++) p[10 * b + j] = uData[t * b + j];
    const pBar = pullback(p, carry);
    for (let j = 0; j < 8 * b; j++) wBar[j] += pBar[j];
    for (let j = 0; j < 2 * b; j++) carry[j] = pBar[8 * b + j];
    for (let j = 0; j < b; j++) uBar[t * b + j] = pBar[10 * b + j];
  }
  return [fromData(wBar, [8 * b]), tensor(carry), fromData(uBar, [T, b])];
}

const firstOrderOnly = (mode: string): never => {
  throw new DTypeError('lstmLayer', `has a first-order reverse rule on tensors only; ${mode} is not supported`);
};

const lstmLayer = registerOp(
  custom<undefined>({
    name: 'lstmLayer',
    arity: 3,
    primal: layerPrimal,
    jvp: () => firstOrderOnly('forward mode'),
    vjp: <T>(_o: Algebra<T>, xs: readonly T[], y: T) => {
      const [w, state, u] = xs as readonly unknown[] as Tensor[];
      return (yBar: T, needs: readonly boolean[]) => {
        if (!needs.some((n) => n)) return [null, null, null];
        if (!(yBar instanceof Tensor && w instanceof Tensor)) return firstOrderOnly('differentiating it twice');
        return layerPullback(w, state, u, y as unknown as Tensor, yBar as unknown as Tensor) as unknown as T[];
      };
    },
  }),
) as unknown as <T extends Tensor | TensorVar>(w: T, state: Tensor, u: T) => T;

/** The loss as a function of θ = (main_params, extra_params) flattened, for l layers of b bits. */
export function loss<T extends Tensor | TensorVar>(theta: T, state: Tensor, sequence: Tensor): T {
  const [c, b] = sequence.shape;
  const l = state.shape[0] / 2;
  const T = c - 1;
  const extra = theta.slice([8 * l * b, 8 * l * b + 3 * b]).reshape([3, b]) as T;
  let u = sequence.slice([0, T]).mul(extra.slice(0)) as T; // [T, b]
  for (let i = 0; i < l; i++) {
    const w = theta.slice([8 * b * i, 8 * b * (i + 1)]) as T;
    const hs = lstmLayer(w, state.slice([2 * i, 2 * i + 2]).reshape([2 * b]), u); // [T, 2b]
    u = hs.slice(null, [0, b]) as T;
  }
  const y = u.mul(extra.slice(1)).add(extra.slice(2)); // [T, b]
  const lse = y.exp().sum(1).add(2).log(); // [T]
  const next = sequence.slice([1, c]);
  const total = y
    .mul(next)
    .sum()
    .sub(lse.mul(next.sum(1)).sum());
  return total.div(-T * b) as T;
}

interface Input extends Runs {
  main_params: number[][];
  extra_params: number[][];
  state: number[][];
  sequence: number[][];
}

function prepare({ main_params, extra_params, state, sequence }: Input): { theta: Tensor; state: Tensor; sequence: Tensor } {
  return { theta: tensor([...main_params.flat(), ...extra_params.flat()]), state: tensor(state), sequence: tensor(sequence) };
}

export const lstm: EvalModule = {
  objective: multipleRuns(
    (input: Input) => {
      const { theta, state, sequence } = prepare(input);
      return () => loss(theta, state, sequence);
    },
    (y) => y.item(),
  ),
  jacobian: multipleRuns(
    (input: Input) => {
      const { theta, state, sequence } = prepare(input);
      const gradient = grad((x: TensorVar) => loss(x, state, sequence));
      return () => gradient(theta);
    },
    (g) => g.toArray(),
  ),
};
