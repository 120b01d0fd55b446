/**
 * Guide 2: the chain rule on the graph of f(x, y) = (x + y)(x − y), by hand and by @ad.
 */
import { grad, toDot, variable, type Var } from '@ad/reverse';

// #region by-hand
/** f(x, y) = (x + y)(x − y) as its evaluation trace, and its gradient by the chain rule. */
export function byHand(x = 3, y = 2): { f: number; dfdx: number; dfdy: number } {
  // One line per node of the graph: each applies one elementary operation.
  const v1 = x + y; // 5
  const v2 = x - y; // 1
  const v3 = v1 * v2; // 5 = f

  // The local derivatives, one per edge: ∂v3/∂v1 = v2, ∂v3/∂v2 = v1, ∂v1/∂x = 1, ∂v2/∂y = −1, …
  // The chain rule sums over every path from an input to f.
  const dfdx = v2 * 1 + v1 * 1; // x → v1 → f  and  x → v2 → f
  const dfdy = v2 * 1 + v1 * -1; // y → v1 → f  and  y → v2 → f
  return { f: v3, dfdx, dfdy };
}
// #endregion by-hand

// #region with-ad
/** The same gradient by @ad's reverse mode: ∇f(3, 2) = (2x, −2y) = (6, −4). */
export function withAd(): number[] {
  const f = ([x, y]: Var[]) => x.add(y).mul(x.sub(y));
  return grad(f)([3, 2]);
}
// #endregion with-ad

// #region dot
/** The graph @ad recorded, as Graphviz DOT (the `ad graph` command draws the same graph). */
export function graphAsDot(): string {
  const x = variable(3);
  const y = variable(2);
  const f = x.add(y).mul(x.sub(y));
  f.backward(1, { retainGraph: true }); // keep the graph so that it can still be drawn
  return toDot(f, {
    labels: new Map([
      [x, 'x'],
      [y, 'y'],
    ]),
  });
}
// #endregion dot
