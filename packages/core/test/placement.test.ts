/**
 * Placing one tensor inside a larger one: unslice (slice's transpose, pad's and concat's
 * primal), checked against an element-by-element reference over strided windows (steps of
 * 1, 2 and −1, dropped axes) and sources of every layout (contiguous, transposed, broadcast,
 * offset); pad's border and concat's pieces by value.
 */
import { Generator, concat, pad, randn, tensor, type Tensor } from '@ad/core';
import { ops } from '@ad/core/engine';

type Axis = { start: number; step: number; count: number; drop: boolean };

/** The reference: a zero array of `shape` with y's elements written one at a time into the window. */
function placeByElement(y: Tensor, axes: readonly Axis[], shape: readonly number[]): number[] {
  const out = new Array<number>(shape.reduce((p, q) => p * q, 1)).fill(0);
  const values = y.toFloat64Array();
  const kept = axes.map((a, i) => ({ ...a, i })).filter((a) => !a.drop);
  let k = 0;
  const walk = (depth: number, at: number[]): void => {
    if (depth === kept.length) {
      const pos = axes.map((a, i) => (a.drop ? a.start : at[kept.findIndex((q) => q.i === i)]));
      out[pos.reduce((flat, p, i) => flat * shape[i] + p, 0)] = values[k++];
      return;
    }
    const a = kept[depth];
    for (let j = 0; j < a.count; j++) walk(depth + 1, [...at, a.start + j * a.step]);
  };
  walk(0, []);
  return out;
}

function unslice(y: Tensor, axes: readonly Axis[], shape: readonly number[]): Tensor {
  return ops.unslice.primal([y], { axes, shape });
}

const g = new Generator(7);
const values = (shape: readonly number[]): Tensor => randn(shape, { generator: g });

describe('unslice places a tensor into zeros', () => {
  const cases: [string, readonly number[], readonly Axis[]][] = [
    [
      'a contiguous row block',
      [4, 6],
      [
        { start: 1, step: 1, count: 2, drop: false },
        { start: 0, step: 1, count: 6, drop: false },
      ],
    ],
    [
      'a column window',
      [4, 6],
      [
        { start: 0, step: 1, count: 4, drop: false },
        { start: 2, step: 1, count: 3, drop: false },
      ],
    ],
    [
      'steps of 2 and −1',
      [5, 7],
      [
        { start: 0, step: 2, count: 3, drop: false },
        { start: 6, step: -1, count: 4, drop: false },
      ],
    ],
    [
      'a dropped axis',
      [3, 4, 5],
      [
        { start: 2, step: 1, count: 1, drop: true },
        { start: 1, step: 1, count: 3, drop: false },
        { start: 0, step: 1, count: 5, drop: false },
      ],
    ],
    ['a shifted vector', [9], [{ start: 1, step: 1, count: 8, drop: false }]],
    [
      'an empty window',
      [3, 4],
      [
        { start: 1, step: 1, count: 0, drop: false },
        { start: 0, step: 1, count: 4, drop: false },
      ],
    ],
  ];
  it.each(cases)('%s', (_, shape, axes) => {
    const windowShape = axes.filter((a) => !a.drop).map((a) => a.count);
    const y = values(windowShape);
    expect(Array.from(unslice(y, axes, shape).toFloat64Array())).toEqual(placeByElement(y, axes, shape));
  });

  it('reads sources of any layout: transposed, broadcast, offset, reversed', () => {
    const axes: Axis[] = [
      { start: 1, step: 1, count: 3, drop: false },
      { start: 2, step: 1, count: 4, drop: false },
    ];
    const base = values([4, 3]);
    const sources: Tensor[] = [
      base.transpose(), // strides [1, 3]
      tensor([1, 2, 3, 4]).broadcastTo([3, 4]), // stride 0 along the first axis
      values([5, 4]).slice([2, 5]), // offset 8
      values([3, 4]).flip(), // negative strides
    ];
    for (const y of sources) {
      expect(Array.from(unslice(y, axes, [5, 7]).toFloat64Array())).toEqual(placeByElement(y, axes, [5, 7]));
    }
  });

  it('names the op when the window and the tensor disagree', () => {
    expect(() => unslice(values([2, 2]), [{ start: 0, step: 1, count: 3, drop: false }], [4, 2])).toThrow(/^unslice: got \[2,2\], the slice has shape \[3,2\]/);
  });
});

describe('pad and concat place their pieces', () => {
  it('pad writes the fill value around x', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(
      pad(
        x,
        [
          [1, 0],
          [0, 2],
        ],
        9,
      ).toArray(),
    ).toEqual([
      [9, 9, 9, 9],
      [1, 2, 9, 9],
      [3, 4, 9, 9],
    ]);
    expect(pad(tensor([5, 6]), [[2, 1]]).toArray()).toEqual([0, 0, 5, 6, 0]);
  });

  it('concat joins along any axis, transposed pieces included', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([[5, 6]]);
    expect(concat([a, b], 0).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(concat([a, a.transpose(), b.transpose()], 1).toArray()).toEqual([
      [1, 2, 1, 3, 5],
      [3, 4, 2, 4, 6],
    ]);
  });
});
