/** Error messages name the op, what it got and what it needed; they are thrown before any kernel runs. */
import { AdError, ShapeError, ValueError, ones, tensor, zeros } from '../src/index.js';
import { tensorOps as T } from '../src/engine/index.js';

const cases: [string, () => unknown, typeof AdError, string][] = [
  ['add', () => T.add(ones([2, 3]), ones([4])), ShapeError, 'add: shapes [2,3] and [4] cannot broadcast (dimension 3 ≠ 4 at axis -1)'],
  ['where', () => T.where(ones([2]), ones([3]), 0), ShapeError, 'where: shapes [2] and [3] and [] cannot broadcast (dimension 2 ≠ 3 at axis -1)'],
  ['matmul', () => T.matmul(ones([2, 3]), ones([4, 5])), ShapeError, 'matmul: cannot multiply [2,3] by [4,5] (inner dimensions 3 ≠ 4)'],
  [
    'matmul batch',
    () => T.matmul(ones([2, 3, 4]), ones([3, 4, 5])),
    ShapeError,
    'matmul: batch dimensions of [2,3,4] and [3,4,5] cannot broadcast ([2] vs [3])',
  ],
  ['matmul 0-d', () => T.matmul(tensor(2), ones([2])), ShapeError, 'matmul: operands must be at least 1-D, got [] and [2]; use mul for scalars'],
  ['reshape', () => T.reshape(ones([2, 3]), [4]), ShapeError, 'reshape: cannot reshape [2,3] (6 elements) into [4] (4 elements)'],
  ['reshape -1', () => T.reshape(ones([2, 3]), [-1, -1]), ShapeError, 'reshape: only one dimension can be -1, got [-1,-1]'],
  ['sum axis', () => T.sum(ones([2, 3]), 2), ShapeError, 'sum: axis 2 is out of range for a tensor of rank 2 (valid: -2…1)'],
  ['sum duplicate axes', () => T.sum(ones([2, 3]), [1, -1]), ShapeError, 'sum: axis 1 appears twice in [1,-1]'],
  ['softmax axis', () => T.softmax(ones([3]), 1), ShapeError, 'softmax: axis 1 is out of range for a tensor of rank 1 (valid: -1…0)'],
  ['permute', () => T.permute(ones([2, 3]), [0, 0]), ShapeError, 'permute: permutation [0,0] must list each of the 2 axes once'],
  ['broadcastTo', () => T.broadcastTo(ones([3]), [3, 2]), ShapeError, 'broadcastTo: shapes [3] and [3,2] cannot broadcast (dimension 3 ≠ 2 at axis -1)'],
  ['broadcastTo shrink', () => T.broadcastTo(ones([2, 3]), [3]), ShapeError, 'broadcastTo: cannot broadcast [2,3] to [3]'],
  ['slice index', () => T.slice(ones([2, 3]), 0, 5), ShapeError, 'slice: index 5 is out of range for axis 1 of size 3'],
  ['slice step', () => T.slice(ones([2, 3]), [0, 2, 0]), ValueError, 'slice: step must be a non-zero integer within ±(2⁵³ − 1), got 0'],
  ['argmax empty', () => T.argmax(zeros([0])), ShapeError, 'argmax: cannot take argmax of an empty axis of [0]'],
];

describe('errors', () => {
  test.each(cases)('%s', (_name, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
    try {
      call();
    } catch (e) {
      expect(e).toBeInstanceOf(AdError);
      expect((e as AdError).op).toBe(message.split(':')[0]);
    }
  });
});

describe('plain-JavaScript misuse gets typed errors', () => {
  test('huge shapes, arrays and strings as operands, operators on tensors', () => {
    expect(() => zeros([1e10, 1e10])).toThrow(
      /^zeros: shape \[10000000000,10000000000\] has 100000000000000000000 elements, more than a Float64Array can hold/,
    );
    expect(() => T.add(ones([3]), [1, 2, 3] as never)).toThrow('add: expected a tensor or a number, got a plain array; wrap it with tensor([...])');
    expect(() => T.add('a' as never, 'b' as never)).toThrow('add: expected a tensor or a number, got string "a"');
    expect(() => (ones([2]) as unknown as number) + 1).toThrow(/Tensor was used with a JavaScript operator/);
  });
});
