/**
 * One model, both modes: the gradient of a loss w.r.t. the parameters by reverse mode (one
 * backward) equals the forward-mode directional derivatives (duals for the parameters, through
 * withParameters), and the input Jacobian by forward mode equals reverse mode's.
 */
import { Tensor, randn, tensor } from '@ad/core';
import { DualTensor, jacfwd, newTag } from '@ad/forward';
import { jacrev, noGrad, type TensorVar } from '@ad/reverse';
import { Linear, Sequential, Tanh, crossEntropy, relu, withParameters, type TensorLike } from '../src/index.js';

const model = new Sequential([new Linear(3, 5, { seed: 1 }), new Tanh(), new Linear(5, 4, { seed: 2 }), relu, new Linear(4, 2, { seed: 3 })]);
const x = randn([6, 3], { seed: 4 });
const labels = [0, 1, 1, 0, 1, 0];

test('∂loss/∂θ by reverse mode equals forward mode along every parameter direction', () => {
  model.zeroGrad();
  crossEntropy(model.forward(x), labels).backward();
  for (const [name, p] of model.namedParameters()) {
    const n = p.data.length;
    // All n unit directions of this parameter at once: a seed vector of width n.
    const seeds = Array.from({ length: n }, (_, j) => {
      const d = new Float64Array(n);
      d[j] = 1;
      return Tensor.fromData(d, p.value.shape);
    });
    const tag = newTag();
    const out = noGrad(() =>
      withParameters(model, { [name]: new DualTensor(tag, p.value, seeds) }, () => crossEntropy(model.forward(x), labels)),
    ) as unknown as DualTensor;
    const forward = out.tangents.map((t) => (t instanceof Tensor ? t.item() : (t as DualTensor).primal.item()));
    const reverse = Array.from((p.grad as Tensor).toFloat64Array());
    forward.forEach((v, j) => expect(v).toBeCloseTo(reverse[j], 13));
  }
});

test('input Jacobian: jacfwd equals jacrev through the same model', () => {
  const x0 = tensor([0.3, -0.7, 1.1]);
  const Jf = noGrad(() => jacfwd((v: DualTensor) => model.forward(v) as unknown as DualTensor)(x0));
  // The parameters are graph nodes of their own; as plain tensors the model is a pure function.
  const plain = Object.fromEntries(model.namedParameters().map(([k, p]) => [k, p.value]));
  const Jr = withParameters(model, plain, () => jacrev((v: TensorVar) => model.forward(v as TensorLike) as TensorVar)(x0));
  expect(Jf.shape).toEqual([2, 3]);
  (Jf.toArray() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((Jr.toArray() as number[][])[i][j], 13)));
});
