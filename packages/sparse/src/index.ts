/**
 * @ad/sparse — sparse Jacobians and Hessians from compressed seeds: the pattern of nonzeros
 * (detected by tracing or given by hand), a coloring that lets inputs (or outputs) that never
 * meet share one seed, and one forward or reverse pass per color instead of one per input.
 */
export { SparsityPattern } from './pattern.js';
export { SparseMatrix } from './matrix.js';

// Detection: the pattern of a Jacobian or a Hessian, found by tracing the function once.
export { jacobianPattern, hessianPattern, SparsityDetectionError, type PatternInput } from './detect.js';

// Coloring and the compressed transforms (sparseJacobian, sparseHessian, prepare*).
export { columnColoring, rowColoring, type Coloring, type ColoringOptions, type VertexOrder } from './coloring.js';
export { starColoring } from './coloring-star.js';
export { bicoloring, type Bicoloring } from './coloring-bi.js';
export { sparseJacobian, prepareJacobian, type PreparedJacobian } from './jacobian.js';
export { sparseHessian, prepareHessian, type PreparedHessian } from './hessian.js';
export type { SparseInput, SparseValues } from './compressed.js';
export type { SparseJacobianOptions, SparseHessianOptions, SparseMode, ColoringChoice, Compile } from './options.js';
