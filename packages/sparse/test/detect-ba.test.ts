/**
 * The bundle-adjustment pattern (GradBench's ba, ADBench's objective): the Jacobian of the
 * reprojection residuals (e₀, e₁ per observation) and the weight residuals (ω per observation)
 * with respect to (cameras, points, weights), detected from the objective written over tensors,
 * on the smallest input of the eval (n = 49 cameras, m = 7,776 points, p = 31,843
 * observations; observation i uses camera i mod n and point i mod m, as upstream's from_json).
 *
 * Row 2i + r depends on observation i's camera (11), point (3) and weight: 15 entries in the
 * eval's reference layout, where e₀'s column v₀ and e₁'s column u₀ are structural zeros that
 * upstream stores. Detection finds those zeros (e₀ never reads v₀), so its rows have 14.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, type Tensor, concat, indexSelect, stack, tensor, where } from '@ad/core';
import { jacfwd } from '@ad/forward';
import { SparsityPattern, jacobianPattern } from '@ad/sparse';

const CAM = 11;
const PT = 3;

interface BaInput {
  n: number;
  m: number;
  p: number;
}

function smallestInput(): BaInput {
  const file = join(__dirname, '..', '..', '..', 'bench', 'gradbench', 'test', 'fixtures', 'ba.jsonl');
  const inputs = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { message: { kind: string; input?: BaInput } })
    .filter((entry) => entry.message.kind === 'evaluate' && entry.message.input !== undefined)
    .map((entry) => entry.message.input as BaInput);
  return inputs.reduce((a, b) => (b.p < a.p ? b : a));
}

/** Rodrigues' rotation of pt by the angle–axis vector r (per observation; first-order where θ = 0). */
function rotate(r: readonly Tensor[], pt: readonly Tensor[]): Tensor[] {
  const sq = r[0].square().add(r[1].square()).add(r[2].square());
  const rotated = sq.ne(0);
  const theta = where(rotated, sq, 1).sqrt();
  const [cos, sin] = [theta.cos(), theta.sin()];
  const w = r.map((ri) => ri.div(theta));
  const dot = w[0].mul(pt[0]).add(w[1].mul(pt[1])).add(w[2].mul(pt[2])).mul(cos.neg().add(1));
  const cross = (a: readonly Tensor[], k: number) => a[(k + 1) % 3].mul(pt[(k + 2) % 3]).sub(a[(k + 2) % 3].mul(pt[(k + 1) % 3]));
  return [0, 1, 2].map((k) => where(rotated, pt[k].mul(cos).add(cross(w, k).mul(sin)).add(w[k].mul(dot)), pt[k].add(cross(r, k))));
}

/**
 * The objective as a function of all parameters laid end to end (cameras [n, 11], points
 * [m, 3], weights [p]): [e₀ e₁ per observation, row-major, then ω per observation].
 */
function objective({ n, m, p }: BaInput, feat: readonly [number, number]): (x: Tensor) => Tensor {
  const camIdx = tensor(Array.from({ length: p }, (_, i) => i % n));
  const ptIdx = tensor(Array.from({ length: p }, (_, i) => i % m));
  return (x) => {
    const cams = indexSelect(x.slice([0, CAM * n]).reshape([n, CAM]), 0, camIdx); // [p, 11]
    const pts = indexSelect(x.slice([CAM * n, CAM * n + PT * m]).reshape([m, PT]), 0, ptIdx); // [p, 3]
    const w = x.slice([CAM * n + PT * m, CAM * n + PT * m + p]); // [p]
    const c = Array.from({ length: CAM }, (_, j) => cams.slice(null, j));
    const X = Array.from({ length: PT }, (_, k) => pts.slice(null, k).sub(c[3 + k]));
    const [u, v, z] = rotate(c.slice(0, 3), X);
    const q = [u.div(z), v.div(z)];
    const rsq = q[0].square().add(q[1].square());
    const f = c[6].mul(c[9].mul(rsq).add(c[10].mul(rsq.square())).add(1));
    const e = [0, 1].map((r) =>
      w.mul(
        q[r]
          .mul(f)
          .add(c[7 + r])
          .sub(feat[r]),
      ),
    );
    return concat([stack(e, 1).reshape([-1]), w.square().neg().add(1)]);
  };
}

/** The structure the eval's reference stores (15 per residual row, one per weight row), less e₀'s v₀ and e₁'s u₀. */
function baStructure({ n, m, p }: BaInput): SparsityPattern {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < p; i++) {
    const cam = CAM * (i % n);
    const pt = CAM * n + PT * (i % m);
    const weight = CAM * n + PT * m + i;
    for (let r = 0; r < 2; r++) {
      const row = 2 * i + r;
      for (let j = 0; j < CAM; j++) {
        if (j === 8 - r) continue;
        rows.push(row);
        cols.push(cam + j);
      }
      for (const col of [pt, pt + 1, pt + 2, weight]) {
        rows.push(row);
        cols.push(col);
      }
    }
    rows.push(2 * p + i);
    cols.push(weight);
  }
  return SparsityPattern.fromCoordinates([3 * p, CAM * n + PT * m + p], rows, cols);
}

function sameEntries(a: SparsityPattern, b: SparsityPattern): boolean {
  return (
    a.shape[0] === b.shape[0] &&
    a.shape[1] === b.shape[1] &&
    a.rowPtr.every((v, i) => v === b.rowPtr[i]) &&
    a.colIndex.length === b.colIndex.length &&
    a.colIndex.every((v, i) => v === b.colIndex[i])
  );
}

function parameters({ n, m, p }: BaInput, seed: number): Tensor {
  const g = new Generator(seed);
  return tensor(Array.from({ length: CAM * n + PT * m + p }, () => g.uniform(-1, 1) + 2));
}

test('on a small problem (3 cameras, 4 points, 7 observations) the detected pattern is the dense Jacobian’s nonzeros', () => {
  const input = { n: 3, m: 4, p: 7 };
  const f = objective(input, [0.3, -0.2]);
  const x = parameters(input, 21);
  const dense = (jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(x).toFloat64Array();
  const cols = x.size;
  const rows: number[][] = [];
  for (let i = 0; i < dense.length; i += cols) rows.push(Array.from(dense.subarray(i, i + cols)));
  const detected = jacobianPattern(f as never, x);
  expect(sameEntries(detected, SparsityPattern.fromDense(rows))).toBe(true);
  expect(sameEntries(detected, baStructure(input))).toBe(true);
});

test('on the smallest GradBench ba input (n 49, m 7,776, p 31,843) the detected pattern is the BA structure', () => {
  const input = smallestInput();
  expect([input.n, input.m, input.p]).toEqual([49, 7776, 31843]);
  const detected = jacobianPattern(objective(input, [271.76, 834.21]) as never, parameters(input, 5));
  expect(detected.shape).toEqual([3 * input.p, CAM * input.n + PT * input.m + input.p]);
  expect(detected.nnz).toBe(2 * 14 * input.p + input.p);
  expect(sameEntries(detected, baStructure(input))).toBe(true);
});
