/**
 * @ad/vmap — `vmap(f, { inAxes, outAxes })`: a function written for one example, run on a whole
 * batch at once through each op's batching rule, composable with every transform of @ad in
 * any order (vmap(grad(f)) for per-example gradients, grad(vmap(f)), jit(vmap(f)), vmap of
 * vmap). An op without a batching rule is refused by name, never run one example at a time.
 */
import './batched.js';

export { vmap, type VmapOptions, type Vmapped, type VmapArgs, type VmapResult } from './vmap.js';
export type { Axis, Axes } from './axes.js';
export type { Batched } from './batched.js';
