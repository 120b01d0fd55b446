/**
 * The mathematics the gmm and kmeans modules rest on, checked on small random inputs: kmeans's
 * one-seed Hessian diagonal against the full Hessian, its direction against Lloyd's closed form,
 * and gmm's Wishart constant against known values of Γ.
 */
import { arange, fromData, ones, rand } from '@ad/core';
import { hessian, type TensorVar } from '@ad/reverse';
import { logGammaHalfInteger, logMultiGamma } from '../src/gmm.js';
import { assignedCost, cost, direction, squaredDistances } from '../src/kmeans.js';

describe('kmeans', () => {
  const n = 30;
  const d = 3;
  const k = 4;
  const P = rand([n, d], { seed: 7 });
  // The last k points as centroids, as the eval makes them: every centroid has a point.
  const C = fromData(P.toFloat64Array().slice((n - k) * d), [k, d]);
  const a = squaredDistances(P, C).argmin(1, true);
  const at = a.mul(d).add(arange(d));

  it('cost is the sum over points of the distance to the nearest centroid', () => {
    const p = P.toArray() as number[][];
    const c = C.toArray() as number[][];
    const expected = p.reduce((s, pi) => s + Math.min(...c.map((cj) => cj.reduce((t, v, e) => t + (v - pi[e]) ** 2, 0))), 0);
    expect(cost(P, C).item()).toBeCloseTo(expected, 12);
    expect(assignedCost(P, at, C).item()).toBeCloseTo(expected, 12);
  });

  it('the full Hessian of the assigned cost is diagonal, 2·count per centroid, so H·1 is its diagonal', () => {
    const H = hessian((c: TensorVar) => assignedCost(P, at, c.reshape([k, d])))(C.reshape([k * d])).toArray() as number[][];
    const counts = Array.from({ length: k }, (_, j) => (a.toArray() as number[][]).filter(([i]) => i === j).length);
    for (let r = 0; r < k * d; r++) {
      for (let s = 0; s < k * d; s++) expect(H[r][s]).toBeCloseTo(r === s ? 2 * counts[Math.floor(r / d)] : 0, 10);
    }
  });

  it('dir is each centroid minus the mean of its points (Newton on a quadratic: one step to the minimum)', () => {
    const dir = direction(P, C, arange(d), ones([k, d])).toArray() as number[][];
    const p = P.toArray() as number[][];
    const c = C.toArray() as number[][];
    const assigned = (a.toArray() as number[][]).map(([j]) => j);
    for (let j = 0; j < k; j++) {
      const mine = p.filter((_, i) => assigned[i] === j);
      for (let e = 0; e < d; e++) {
        const mean = mine.reduce((s, pi) => s + pi[e], 0) / mine.length;
        expect(dir[j][e]).toBeCloseTo(c[j][e] - mean, 12);
      }
    }
  });
});

describe('gmm: the Wishart constant', () => {
  it('log Γ at integers and half-integers', () => {
    expect(logGammaHalfInteger(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGammaHalfInteger(1)).toBe(0);
    expect(logGammaHalfInteger(5)).toBeCloseTo(Math.log(24), 14);
    // Γ(7/2) = 15√π / 8
    expect(logGammaHalfInteger(3.5)).toBeCloseTo(Math.log((15 * Math.sqrt(Math.PI)) / 8), 14);
    expect(() => logGammaHalfInteger(1.25)).toThrow(RangeError);
  });

  it('log Γ_D(a) by its definition: Γ_1 is Γ, Γ_2(a) = √π Γ(a) Γ(a − ½)', () => {
    expect(logMultiGamma(3, 1)).toBeCloseTo(Math.log(2), 14);
    expect(logMultiGamma(2.5, 2)).toBeCloseTo(0.5 * Math.log(Math.PI) + logGammaHalfInteger(2.5) + logGammaHalfInteger(2), 14);
  });
});
