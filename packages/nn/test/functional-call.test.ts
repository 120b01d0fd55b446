/**
 * functionalCall: the model as a function of its parameters (torch.func.functional_call), so
 * grad, valueAndGrad and jit take the parameters as a tree keyed by PyTorch name.
 */
import { DTypeError, type Tensor, ValueError, manualSeed, randn, tensor } from '@ad/core';
import { jit } from '@ad/jit';
import { type TensorVar, grad, valueAndGrad } from '@ad/reverse';
import { Linear, ReLU, Sequential, crossEntropy, functionalCall, parameterValues } from '@ad/nn';

function setup() {
  manualSeed(7);
  const model = new Sequential([new Linear(4, 8), new ReLU(), new Linear(8, 3)]);
  const x = randn([5, 4]);
  const labels = [0, 2, 1, 1, 0];
  return { model, x, labels };
}

describe('functionalCall', () => {
  test('grad over the parameters as an object equals backward() on the model, key by key', () => {
    const { model, x, labels } = setup();
    const params = parameterValues(model);
    expect(Object.keys(params)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const loss = (p: Record<string, TensorVar>) => crossEntropy(functionalCall(model, p, x), labels);
    const g = grad(loss)(params);

    crossEntropy(model.forward(x), labels).backward();
    for (const [key, p] of model.namedParameters()) {
      expect(g[key].shape).toEqual(p.shape);
      const expected = p.gradTensor!.toArray() as number[][];
      (g[key].toArray() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 12));
    }
  });

  test("the model's own parameters are untouched, and are back in place after the call", () => {
    const { model, x, labels } = setup();
    const before = model.parameters();
    const values = parameterValues(model);
    const shifted = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.add(1)]));
    const { value } = valueAndGrad((p: Record<string, TensorVar>) => crossEntropy(functionalCall(model, p, x), labels))(shifted);
    expect(model.parameters()).toEqual(before);
    expect(model.parameters().every((p) => p.grad === undefined || p.grad === null)).toBe(true);
    // A different point than the model's own: the loss differs from the model's.
    expect(value.item()).not.toBeCloseTo((crossEntropy(model.forward(x), labels).value as Tensor).item(), 6);
  });

  test('a subset of the parameters: the others are the model’s, as constants', () => {
    const { model, x, labels } = setup();
    const { '2.bias': b } = parameterValues(model);
    const g: { '2.bias': Tensor } = grad((p: { '2.bias': TensorVar }) => crossEntropy(functionalCall(model, p, x), labels))({ '2.bias': b });
    crossEntropy(model.forward(x), labels).backward();
    const expected = model
      .namedParameters()
      .find(([k]) => k === '2.bias')![1]
      .gradTensor!.toArray() as number[];
    (g['2.bias'].toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  test('jit(grad(…)) over the parameter tree gives the same gradients', () => {
    const { model, x, labels } = setup();
    const params = parameterValues(model);
    const loss = (p: Record<string, TensorVar>) => crossEntropy(functionalCall(model, p, x), labels);
    const eager = grad(loss)(params);
    const compiled = jit(grad(loss))(params) as Record<string, Tensor>;
    for (const key of Object.keys(params)) {
      (compiled[key].toArray() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo((eager[key].toArray() as number[][]).flat()[i], 12));
    }
  });

  test('bad input: a name the model does not have, params that are not an object', () => {
    const { model, x } = setup();
    expect(() => functionalCall(model, { '1.weight': tensor([1]) }, x)).toThrow(
      new ValueError('functionalCall', 'the model has no parameter 1.weight; it has 0.weight, 0.bias, 2.weight, 2.bias'),
    );
    expect(() => functionalCall(model, [] as never, x)).toThrow(
      new DTypeError('functionalCall', 'params must be an object of tensors by parameter name, got object'),
    );
    expect(() => parameterValues({} as never)).toThrow(new DTypeError('parameterValues', 'model must be a Module, got object'));
  });
});
