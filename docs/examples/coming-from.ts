/**
 * Guide 10: the same computations spelled with the names a JAX, PyTorch or TensorFlow.js user
 * knows, each under its @ad name.
 */
import { manualSeed, randn, tensor, type Tensor } from '@ad/core';
import { jacfwd, jvp, type Dual } from '@ad/forward';
import { grad, hessian, jacrev, noGrad, valueAndGrad, variable, vjp, type TensorVar, type Var } from '@ad/reverse';
import { Adam, Linear, Sequential, crossEntropy, relu } from '@ad/nn';

// #region jax
/** JAX's transforms, same names in camelCase: grad, valueAndGrad, jvp, vjp, jacfwd, jacrev, hessian. */
export function jaxStyle() {
  type Num = Var | Dual;
  // f(x, y) = (1 − x)² + 100 (y − x²)², the Rosenbrock function; one array argument, as in JAX.
  const f = (xs: Num[]): Num => {
    const [x, y] = xs as Var[];
    return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100));
  };
  const fr = f as (xs: Var[]) => Var; // reverse mode records Vars
  const ff = f as (xs: Dual[]) => Dual; // forward mode pushes Duals
  const x = [0.5, 0.5];

  const { value: out, vjp: pullback } = vjp(fr, x); // jax.vjp(f, x) → (out, f_vjp)
  return {
    grad: grad(fr)(x), // jax.grad(f)(x)                          [−51, 50]
    valueAndGrad: valueAndGrad(fr)(x), // jax.value_and_grad(f)(x)  { value: 6.5, grad: [−51, 50] }
    jvp: jvp(ff, x, [1, 1]).tangent as number, // jax.jvp(f, (x,), (v,))   −51 + 50 = −1
    vjp: { out: out as number, cotangent2: pullback(2) }, // f_vjp(2.0)  [−102, 100]
    jacfwd: jacfwd(ff)(x), // jax.jacfwd(f)(x)                        [[−51, 50]]
    jacrev: jacrev(fr)(x), // jax.jacrev(f)(x)                        [[−51, 50]]
    hessian: hessian(fr)(x), // jax.hessian(f)(x)                     [[102, −200], [−200, 200]]
  };
}
// #endregion jax

// #region torch
/** PyTorch's autograd and nn: backward() and .grad, no_grad, detach, zero_grad, state_dict. */
export function torchStyle() {
  const x = variable(tensor([1, 2, 3])); // torch.tensor([1., 2., 3.], requires_grad=True)
  const y = x.mul(x).sum(); // (x * x).sum()
  y.backward(); // y.backward()
  const xGrad = (x.grad as Tensor).toArray() as number[]; // x.grad  →  2x = [2, 4, 6]

  const z = x.mul(x.detach()).sum(); // x * x.detach(): the second factor is a constant
  x.zeroGrad(); // x.grad = None
  z.backward();
  const detachedGrad = (x.grad as Tensor).toArray() as number[]; // [1, 2, 3]

  manualSeed(0); // torch.manual_seed(0)
  const model = new Sequential([new Linear(4, 8), relu, new Linear(8, 3)]); // nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 }); // torch.optim.Adam(model.parameters(), lr=1e-3)
  const inputs = randn([5, 4], { seed: 1 }); // torch.randn(5, 4)
  optimizer.zeroGrad(); // optimizer.zero_grad()
  const loss = crossEntropy(model.forward(inputs), [0, 1, 2, 0, 1]); // F.cross_entropy(model(inputs), labels)
  loss.backward(); // loss.backward()
  optimizer.step(); // optimizer.step()
  const evaluated = noGrad(() => model.forward(inputs)) as TensorVar; // with torch.no_grad(): model(inputs)

  return {
    xGrad,
    detachedGrad,
    weightShape: model.parameters()[0].shape, // model[0].weight.shape  →  [8, 4] = [out, in]
    stateDictKeys: Object.keys(model.stateDict()), // model.state_dict().keys()
    evaluatedRecords: evaluated.requiresGrad, // False: nothing was recorded
  };
}
// #endregion torch
