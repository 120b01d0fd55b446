import { ShapeError, ValueError } from '@ad/core';
import { SparseMatrix, SparsityPattern } from '@ad/sparse';

describe('SparsityPattern', () => {
  test('fromCoordinates sorts each row and merges repeats; has, row, rowIndex agree', () => {
    const p = SparsityPattern.fromCoordinates([3, 4], [2, 0, 0, 2, 0, 1], [1, 3, 0, 1, 3, 2]);
    expect(Array.from(p.rowPtr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(p.colIndex)).toEqual([0, 3, 2, 1]);
    expect(p.nnz).toBe(4);
    expect(Array.from(p.rowIndex())).toEqual([0, 0, 1, 2]);
    expect(Array.from(p.row(0))).toEqual([0, 3]);
    expect([p.has(0, 0), p.has(0, 1), p.has(0, 3), p.has(1, 2), p.has(2, 2)]).toEqual([true, false, true, true, false]);
  });

  test('fromDense and toDense round trip; transpose swaps rows and columns', () => {
    const dense = [
      [1, 0, 0],
      [0, 0, 2],
      [3, 4, 0],
      [0, 0, 0],
    ];
    const p = SparsityPattern.fromDense(dense);
    expect(p.toDense()).toEqual(dense.map((r) => r.map((v) => v !== 0)));
    const t = p.transpose();
    expect(t.shape).toEqual([3, 4]);
    expect(t.toDense()).toEqual(dense[0].map((_, j) => dense.map((r) => r[j] !== 0)));
  });

  test('bad coordinates and shapes are refused by name', () => {
    expect(() => SparsityPattern.fromCoordinates([2, 2], [0, 2], [0, 0])).toThrow(ValueError);
    expect(() => SparsityPattern.fromCoordinates([2, 2], [0], [0, 1])).toThrow(ShapeError);
    expect(() => SparsityPattern.fromCoordinates([2, -1], [], [])).toThrow(/shape is \[2, -1\]/);
    expect(() => SparsityPattern.fromDense([[1, 0], [1]])).toThrow(/row 1 has 1 entries/);
  });
});

describe('SparseMatrix', () => {
  test('fromPattern places values in CSR order; toDense fills the rest with zeros', () => {
    const p = SparsityPattern.fromCoordinates([2, 3], [1, 0, 1], [0, 2, 2]);
    const a = SparseMatrix.fromPattern(p, Float64Array.of(5, 6, 7));
    expect(a.nnz).toBe(3);
    expect(a.toDense()).toEqual([
      [0, 0, 5],
      [6, 0, 7],
    ]);
    expect(() => new SparseMatrix([1, 1], Int32Array.of(0), Int32Array.of(0), new Float64Array(2))).toThrow(ShapeError);
  });
});
