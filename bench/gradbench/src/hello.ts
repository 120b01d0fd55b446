/**
 * hello: the protocol's smoke test. `square` is x², `double` its derivative 2x, obtained from
 * x² by forward mode (`derivative`: one dual number seeded with ẋ = 1), not written by hand.
 */
import { type Dual, derivative } from '@ad/forward';
import { type EvalModule, once } from './runs.js';

const square = (x: Dual) => x.mul(x);
const dSquare = derivative(square);

const identity = (y: number) => y;

export const hello: EvalModule = {
  square: once((x: number) => () => x * x, identity),
  double: once((x: number) => () => dSquare(x), identity),
};
