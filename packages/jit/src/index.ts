/**
 * @ad/jit — source transformation: `jit(fn)` traces fn once per input signature over the op
 * table and emits one straight-line JavaScript function; `jit(grad(f))` emits the primal and
 * its adjoint program together. `scan(f, init, xs, { length?, reverse? })` is the loop (JAX's
 * `lax.scan`): differentiable by every transform without unrolling, and under `jit` its body is
 * traced once and emitted as a loop.
 */
import './graph.js';
import './scan-trace.js';
import './scan-rules.js';

export { jit, adjointProgram, type AdjointProgram, type Jitted, type JitOptions, type JitStats, type Lowered } from './jit.js';
export { JitCheckError, type Tolerance } from './check.js';
export { Tracer, TensorTracer, TracingError } from './tracer.js';
export { tracingInterpreter } from './graph.js';
export { scan, type ScanOptions, type Stacked } from './scan.js';
