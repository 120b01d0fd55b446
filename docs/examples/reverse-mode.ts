/**
 * Guide 4: reverse mode. A closure-based graph written from scratch, then @ad's, then what the
 * adjoint θ̄ of the least-squares cost depends on.
 */
import { variable, type Var } from '@ad/reverse';

/** A scalar node's adjoint. (`Var.grad` is typed `unknown`, for nodes nested in forward mode.) */
const adjointOf = (v: Var) => v.grad as number;

// #region tiny-graph
/** A node of a recorded graph: its value, its adjoint, and a closure that sends the adjoint back. */
class Node {
  grad = 0; // the adjoint v̄ = ∂f/∂v, filled in by backward()
  constructor(
    readonly value: number,
    readonly parents: Node[] = [],
    readonly pushBack: (bar: number) => void = () => {},
  ) {}
  add(o: Node): Node {
    return new Node(this.value + o.value, [this, o], (bar) => {
      this.grad += bar; // ∂(a + b)/∂a = 1
      o.grad += bar; // ∂(a + b)/∂b = 1
    });
  }
  sub(o: Node): Node {
    return new Node(this.value - o.value, [this, o], (bar) => {
      this.grad += bar;
      o.grad -= bar; // ∂(a − b)/∂b = −1
    });
  }
  mul(o: Node): Node {
    return new Node(this.value * o.value, [this, o], (bar) => {
      this.grad += bar * o.value; // ∂(ab)/∂a = b
      o.grad += bar * this.value; // ∂(ab)/∂b = a
    });
  }
  /** Orders the graph (children after parents), seeds f̄ = 1 and runs the closures backwards. */
  backward(): void {
    const order: Node[] = [];
    const seen = new Set<Node>();
    const stack: [Node, boolean][] = [[this, false]]; // iterative depth-first search
    while (stack.length > 0) {
      const [node, expanded] = stack.pop()!;
      if (expanded) order.push(node);
      else if (!seen.has(node)) {
        seen.add(node);
        stack.push([node, true], ...node.parents.map((p): [Node, boolean] => [p, false]));
      }
    }
    this.grad = 1;
    for (let i = order.length - 1; i >= 0; i--) order[i].pushBack(order[i].grad);
  }
}

/** f(x, y) = (x + y)(x − y) on the tiny graph: every node's adjoint after one backward pass. */
export function tinyGraph(): { f: number; xBar: number; yBar: number; sumBar: number; diffBar: number } {
  const x = new Node(3);
  const y = new Node(2);
  const sum = x.add(y); // 5
  const diff = x.sub(y); // 1
  const f = sum.mul(diff); // 5
  f.backward();
  return { f: f.value, xBar: x.grad, yBar: y.grad, sumBar: sum.grad, diffBar: diff.grad }; // 5, 6, −4, 1, 5
}
// #endregion tiny-graph

// #region with-ad
/** The same with @ad's `Var`: every node reached keeps its adjoint in `.grad`. */
export function withAd(): { f: number; xBar: number; yBar: number; sumBar: number; diffBar: number } {
  const x = variable(3);
  const y = variable(2);
  const sum = x.add(y);
  const diff = x.sub(y);
  const f = sum.mul(diff);
  f.backward(); // the seed f̄ = 1
  return { f: f.value, xBar: adjointOf(x), yBar: adjointOf(y), sumBar: adjointOf(sum), diffBar: adjointOf(diff) };
}
// #endregion with-ad

// #region cost-adjoint
const xs = [1, 2, 3, 4, 5, 6];
const ys = [2.9, 5.1, 7.2, 8.8, 11.1, 13.0];

/** Records J(θ) = Σₙ rₙ² with rₙ = yₙ − θ₀ − θ₁xₙ at θ = (1, 1); returns the nodes. */
function record() {
  const t0 = variable(1);
  const t1 = variable(1);
  const residuals = xs.map((x, n) => t0.add(t1.mul(x)).neg().add(ys[n])); // rₙ
  let J: Var = residuals[0].square();
  for (const r of residuals.slice(1)) J = J.add(r.square());
  return { t0, t1, residuals, J };
}

/**
 * θ̄ from one backward pass, and three ways of seeing what it depends on: the adjoints of the
 * residuals (r̄ₙ = 2rₙ), a shifted cost J + 100 (same θ̄), and the seed J̄ = 2 (twice θ̄).
 */
export function costAdjoint(): {
  J: number;
  thetaBar: number[];
  residualBars: number[];
  thetaBarFromResiduals: number[];
  thetaBarShifted: number[];
  thetaBarSeed2: number[];
} {
  const a = record();
  a.J.backward(); // J̄ = 1
  const residualBars = a.residuals.map(adjointOf); // r̄ₙ = 2rₙ
  // θ̄ = Σₙ r̄ₙ ∂rₙ/∂θ with ∂rₙ/∂θ₀ = −1, ∂rₙ/∂θ₁ = −xₙ: built from the adjoints below θ, not from J.
  const thetaBarFromResiduals = [residualBars.reduce((s, rBar) => s - rBar, 0), residualBars.reduce((s, rBar, n) => s - rBar * xs[n], 0)];

  const b = record();
  b.J.add(100).backward(); // a different J, the same θ̄
  const c = record();
  c.J.backward(2); // the seed J̄ = 2 scales every adjoint by 2
  return {
    J: a.J.value,
    thetaBar: [adjointOf(a.t0), adjointOf(a.t1)],
    residualBars,
    thetaBarFromResiduals,
    thetaBarShifted: [adjointOf(b.t0), adjointOf(b.t1)],
    thetaBarSeed2: [adjointOf(c.t0), adjointOf(c.t1)],
  };
}
// #endregion cost-adjoint

// #region two-points
/** The cost on the first two data points only, J = (2.9 − θ₀ − θ₁)² + (5.1 − θ₀ − 2θ₁)², at θ = (1, 1). */
export function twoPointCost(): { J: number; thetaBar: number[]; residualBars: number[] } {
  const t0 = variable(1);
  const t1 = variable(1);
  const r1 = t0.add(t1).neg().add(2.9); // 0.9
  const r2 = t0.add(t1.mul(2)).neg().add(5.1); // 2.1
  const J = r1.square().add(r2.square()); // 0.81 + 4.41 = 5.22
  J.backward();
  return { J: J.value, thetaBar: [adjointOf(t0), adjointOf(t1)], residualBars: [adjointOf(r1), adjointOf(r2)] }; // [−6, −10.2], [1.8, 4.2]
}
// #endregion two-points
