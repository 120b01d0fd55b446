/**
 * Printing: every value kind reads well through `String(x)` and console.log (util.inspect),
 * instead of dumping the tape chunk a handle points into; a model prints as PyTorch's repr with
 * parameter counts.
 */
import { inspect } from 'node:util';
import { tensor } from '@ad/core';
import { Dual, dualTensor, newTag } from '@ad/forward';
import { variable } from '@ad/reverse';
import { Linear, Sequential, Tanh, Dropout, Module, relu, softmax, type Out, type TensorLike } from '../src/index.js';

test('Var: value, and the gradient once backward has run', () => {
  const x = variable(3);
  const y = variable(2);
  const f = x.add(y).mul(x.sub(y));
  expect(inspect(f)).toBe('Var(5)');
  f.backward();
  expect(inspect(x)).toBe('Var(3, grad=6)');
  expect(String(y)).toBe('Var(2, grad=-4)');
  expect(inspect({ x })).toBe('{ x: Var(3, grad=6) }');
});

test('Dual: value; tangent vector', () => {
  const d = Dual.of(newTag(), 5, [6, -4]);
  expect(String(d)).toBe('Dual(5; [6, -4])');
  expect(inspect(d)).toBe('Dual(5; [6, -4])');
  // Nested, the tags tell the derivatives apart.
  const inner = newTag();
  const outer = newTag();
  const nested = Dual.of(outer, Dual.of(inner, 6, [2]), [Dual.of(inner, 3, [1])]);
  expect(inspect(nested)).toBe(`Dual(Dual(6; [2], tag ${inner}); [Dual(3; [1], tag ${inner})], tag ${outer})`);
});

test('TensorVar: shape and op on the first line, then the values as Tensor prints them', () => {
  const out = softmax(
    variable(
      tensor([
        [1, 2, 3],
        [0, 0, 0],
      ]),
    ),
    1,
  );
  expect(String(out)).toBe('TensorVar(shape [2,3], from softmax)');
  expect(inspect(out)).toBe(`TensorVar(shape [2,3], from softmax)\n${String(out.primal)}`);
  expect(String(out.primal)).toBe('tensor([[0.0900, 0.2447, 0.6652],\n        [0.3333, 0.3333, 0.3333]])');
});

test('Parameter: shape, values and gradient', () => {
  const layer = new Linear(2, 1, { seed: 0 });
  expect(String(layer.bias)).toBe('Parameter(shape [1])');
  layer
    .forward(tensor([[1, 2]]))
    .sum()
    .backward();
  expect(inspect(layer.weight)).toBe(`Parameter(shape [1,2])\n${String(layer.weight.value)}\ngrad=tensor([[1., 2.]])`);
});

test('DualTensor: summary, value and each tangent', () => {
  const t = dualTensor(tensor([1, 2]), [tensor([1, 0]), tensor([0, 1])]);
  expect(inspect(t)).toMatch(
    /^DualTensor\(tag \d+, shape \[2\], 2 tangents\)\nvalue=tensor\(\[1\., 2\.\]\)\ntangent 0=tensor\(\[1\., 0\.\]\)\ntangent 1=tensor\(\[0\., 1\.\]\)$/,
  );
});

test('a model prints as PyTorch’s repr, with parameter counts', () => {
  const model = new Sequential([new Linear(784, 256), relu, new Dropout(0.2), new Linear(256, 10, { bias: false })]);
  const summary = [
    'Sequential(',
    '  (0): Linear(inFeatures=784, outFeatures=256, bias=true)  200,960 parameters',
    '  (1): relu',
    '  (2): Dropout(p=0.2)',
    '  (3): Linear(inFeatures=256, outFeatures=10, bias=false)  2,560 parameters',
    ')  203,520 parameters',
  ].join('\n');
  expect(String(model)).toBe(summary);
  expect(inspect(model)).toBe(summary);

  class Block extends Module {
    inner = new Sequential([new Linear(2, 2), new Tanh()]);
    head = new Linear(2, 1);
    forward<X extends TensorLike>(x: X): Out<X> {
      return this.head.forward(this.inner.forward(x)) as unknown as Out<X>;
    }
  }
  expect(String(new Block())).toBe(
    [
      'Block(',
      '  (inner): Sequential(',
      '    (0): Linear(inFeatures=2, outFeatures=2, bias=true)  6 parameters',
      '    (1): Tanh()',
      '  )  6 parameters',
      '  (head): Linear(inFeatures=2, outFeatures=1, bias=true)  3 parameters',
      ')  9 parameters',
    ].join('\n'),
  );
});
