import { Tensor, ValueError, tensor, tree } from '@ad/core';

describe('tree: the structures transforms take and give back', () => {
  const w = tensor([1, 2]);
  const params = { w, layers: [{ b: 3 }, { b: 4, c: null }], $x: 5 };

  test('flatten visits arrays by index and objects by sorted key; unflatten undoes it', () => {
    const { leaves, structure } = tree.flatten(params);
    expect(leaves).toEqual([5, 3, 4, w]);
    expect(structure.size).toBe(4);
    expect(structure.paths()).toEqual(['.$x', '.layers[0].b', '.layers[1].b', '.w']);
    expect(String(structure)).toBe('{"$x": *, "layers": [{"b": *}, {"b": *, "c": null}], "w": *}');
    expect(tree.unflatten(structure, leaves)).toEqual(params);
    expect(tree.leaves(params)).toEqual(leaves);
  });

  test('the order of an object’s keys does not change its structure (JAX sorts dict keys)', () => {
    expect(tree.structure({ a: 1, b: [2] }).equals(tree.structure({ b: [7], a: 0 }))).toBe(true);
    expect(tree.structure({ a: 1, b: [2] }).equals(tree.structure({ a: 1, b: [2, 3] }))).toBe(false);
  });

  test('a lone leaf, null and undefined: one leaf, or none', () => {
    expect(tree.flatten(3).leaves).toEqual([3]);
    expect(tree.flatten(3).structure.paths()).toEqual(['']);
    expect(tree.flatten(null).structure.size).toBe(0);
    expect(tree.unflatten(tree.structure([undefined, 1]), [2])).toEqual([undefined, 2]);
  });

  test('only arrays and plain objects are containers: a tensor, a Map, a class instance are leaves', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const m = new Map([[1, 2]]);
    const p = new Point(1);
    const flat = tree.leaves([w, m, p, Object.create(null) as object]);
    expect(flat).toEqual([w, m, p]);
    expect(flat[0]).toBeInstanceOf(Tensor);
  });

  test('map applies f leaf by leaf, across several trees of one structure', () => {
    const biases = { a: [1, 2], b: { c: 3 } };
    const grads = { b: { c: 10 }, a: [20, 30] };
    expect(tree.map((p: number, g: number) => p - 0.1 * g, biases, grads)).toEqual({ a: [-1, -1], b: { c: 2 } });
    expect(tree.map((t: Tensor) => t.shape, { w })).toEqual({ w: [2] });
  });

  test('bad input: a tree that contains itself, mismatched structures, the wrong number of leaves', () => {
    const loop: unknown[] = [1];
    loop.push(loop);
    expect(() => tree.flatten(loop as never)).toThrow(new ValueError('tree.flatten', 'the tree contains itself at [1]'));
    expect(() => tree.map((a: number) => a, [1, 2], [1])).toThrow("tree.map: tree 2 has structure [*], not the first tree's [*, *]");
    expect(() => tree.unflatten(tree.structure([1, 2]), [1])).toThrow('tree.unflatten: the structure [*, *] has 2 leaves, got 1');
    expect(() => tree.unflatten({} as never, [])).toThrow('tree.unflatten: expected a Structure from tree.flatten or tree.structure, got object');
  });

  test('a shared subtree (not a cycle) is flattened once per place it appears', () => {
    const shared = [1, 2];
    expect(tree.leaves({ a: shared, b: shared })).toEqual([1, 2, 1, 2]);
  });
});
