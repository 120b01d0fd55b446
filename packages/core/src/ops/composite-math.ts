/**
 * Composite functions of element-wise and reduction ops (see define.ts's `composite`): each is
 * written with other functions of the table, so every mode and nesting differentiates it.
 */
import { composite } from './define.js';
import type { MethodContext, Self } from './signature.js';

/** GELU, exact: x·Φ(x) (PyTorch's gelu with approximate='none'). */
export const gelu = composite({
  name: 'gelu',
  scalar: true,
  method: (c: MethodContext, x: Self): Self => c.o.mul(x, c.o.normalCdf(x)),
});
