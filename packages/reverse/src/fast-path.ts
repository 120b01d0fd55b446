/**
 * Var's fast path, as code templates (core's template.ts: TypeScript-only parts marked with
 * `tsOnly` and `typed`). `pnpm generate` renders them as TypeScript around every element-wise
 * op's scalar rule into `fast-path.generated.ts`, which tsc checks and methods.ts installs; for
 * an op registered after the build, methods.ts renders them as JavaScript.
 *
 * The fast path: numeric entries of one graph that records, and plain numbers. The node
 * records ∂y/∂a and ∂y/∂b as numbers straight into the tape — no closure, no per-node object
 * beyond the handle.
 */
import type { Op } from '@ad/core';
import type { KernelScope, ScalarFastPath } from '@ad/core/engine';
import type { Var } from './node.js';
import type { state } from './state.js';
import type { Chunk } from './tape.js';

/**
 * Records a scalar fast-path node: value `out`, parents (ca, ia) and (cb, ib) with local
 * partials da and db (a null chunk for no parent).
 */
export type RecordNode = (tag: number, op: Op<never>, out: number, ca: Chunk | null, ia: number, da: number, cb: Chunk | null, ib: number, db: number) => Var;

/** What Var's fast methods read from their scope. */
export interface VarScope extends KernelScope {
  readonly Var: typeof Var;
  readonly state: typeof state;
  readonly anomaly: { readonly on: boolean };
  /** The method's op, recorded with each node. */
  readonly op: Op<never>;
  /** The general path: the algebra's function of the method's op. */
  readonly slow: (self: Var, ...operands: unknown[]) => Var;
  readonly record: RecordNode;
  readonly NUMERIC: number;
  readonly REQUIRES_GRAD: number;
  /** NUMERIC | REQUIRES_GRAD. */
  readonly FAST: number;
}

/** Var's fast path (see the module comment). */
export const varFastPath: ScalarFastPath = {
  kind: 'Var',
  scopeType: 'VarScope',
  scope: ['Var', 'state', 'anomaly', 'op', 'slow', 'record', 'NUMERIC', 'REQUIRES_GRAD', 'FAST'],
  imports: ["import type { Var } from './node.js';", "import type { VarScope } from './fast-path.js';"],
  unary: `  const c = this.chunk;
  const i = this.index;
  if ((c.flags[i] & FAST) === FAST && c.tags[i] > state.frozen && !anomaly.on) {
    const x = c.val[i];
    const out = primal(x);
    return record(c.tags[i], op, out, c, i, d0(x, out), null, 0, 0);
  }`,
  binary: `  const c = this.chunk;
  const i = this.index;
  const tag = c.tags[i];
  if ((c.flags[i] & NUMERIC) !== 0 && tag > state.frozen && !anomaly.on) {
    const x = c.val[i];
    const ga = (c.flags[i] & REQUIRES_GRAD) !== 0;
    if (typeof b === 'number') {
      if (ga) {
        const out = primal(x, b);
        return record(tag, op, out, c, i, d0(x, b, out), null, 0, 0);
      }
    } else if (b instanceof Var && b.chunk.tags[b.index] === tag && (b.chunk.flags[b.index] & NUMERIC) !== 0) {
      const bc = b.chunk;
      const j = b.index;
      const gb = (bc.flags[j] & REQUIRES_GRAD) !== 0;
      if (ga || gb) {
        const y = bc.val[j];
        const out = primal(x, y);
        return record(tag, op, out, ga ? c : null, i, ga ? d0(x, y, out) : 0, gb ? bc : null, j, gb ? d1(x, y, out) : 0);
      }
    }
  }`,
};
