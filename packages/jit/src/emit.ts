/**
 * The emitter: turns a traced graph into one straight-line JavaScript function.
 *
 *   1. dead-code elimination: only nodes an output depends on are emitted (an adjoint nobody
 *      reads, a primal value that only fed it, are never computed);
 *   2. one statement per node, `const v3 = v1 * v2; // mul`, the op's own element-wise
 *      expression with its operands' names substituted — numbers stay in locals, adjoints too;
 *   3. tensors: element-wise nodes of one shape are fused into one loop (their intermediates
 *      are loop locals; only values read elsewhere are stored), other ops (matmul, reductions,
 *      shape ops) call the op's primal in core, i.e. the same kernels eager mode runs;
 *   4. gathers: take(x, index) with a constant index, read only by fused loops of its shape, is
 *      not stored either: each loop reads x at the index (`x_d[g[i]]`), so a gather and the
 *      arithmetic on it are one pass over the output, with no intermediate array;
 *   5. placements (place.ts): a sum of unslices with disjoint windows (concat, stack) is one
 *      array with each piece written into its window;
 *   6. where in a fused loop (branches.ts): the members only one branch reads are computed in
 *      an if/else block, only where that branch is picked.
 */
import { Tensor, type Op, type Shape } from '@ad/core';
import { allocate, allocateUnfilled, EXP_BLOCK, expScratch, ops as coreOps } from '@ad/core/engine';
import type { Graph, Node } from './graph.js';
import { walkTree } from './tree.js';
import { type Placement, findPlacements, place } from './place.js';
import { bodyLines, lazyBranches } from './branches.js';

/** A leaf of the output structure: a node of the graph. */
export class OutLeaf {
  constructor(readonly id: number) {}
}

/** The output structure: leaves in arrays and plain objects, as the function returned them. */
export type OutTree = OutLeaf | readonly OutTree[] | { readonly [key: string]: OutTree };

/** Where an input node comes from: how the program reads it from the arguments, e.g. `a0[1]`, `g3[ik0[2]]`. */
export interface InputLoad {
  readonly id: number;
  readonly access: string;
}

/** The entry test written for the arguments' signature: statements, and the names they read. */
export interface Guard {
  readonly guard: readonly string[];
  readonly scope: Record<string, unknown>;
}

/**
 * Past this many live nodes the program keeps its values in two arrays instead of a local each:
 * numbers in one Float64Array (`r[k] = r[i] * r[j]`), tensors and their data in one Array
 * (`t[k] = op.primal([t[i]], p3)`). V8 gives every local, block-scoped ones included, a register
 * of the function's frame: 6×10⁵ scalar locals, or 10⁵ tensor nodes (a local for the tensor, its
 * data and the loop's element each), overflowed the stack on the call itself.
 */
const MAX_LOCALS = 20000;

/**
 * Past this many live op nodes each fused loop becomes a small function of its own (a kernel,
 * called with its arrays) instead of a loop inline in the program. V8 does not optimise a
 * function past ~60 KB of bytecode, so the loops of a large unrolled program (ode: 100
 * Runge–Kutta steps, ~2,500 tensor ops and their adjoints) ran in the interpreter, slower than
 * eager mode's compiled kernels; a kernel is small and is optimised on its own. Kernels with
 * the same text are one function.
 */
const KERNELS_PAST = 300;

/**
 * Fused loops of at least this many elements compute their stored exps in blocks through the
 * WebAssembly SIMD exp kernel (see emitLoop); shorter ones call Special.exp in the loop.
 */
const EXP_BLOCKED_FROM = 256;

/** Ops whose result never shares its operand's array: reductions, which allocate theirs. */
const COPYING: ReadonlySet<Op<unknown>> = new Set([coreOps.sum, coreOps.mean, coreOps.max, coreOps.min] as Op<unknown>[]);

/** Whether node n is e^x of its operand, as the exp op computes it (`Special.exp`). */
function isExp(n: Node): boolean {
  const ew = n.op!.elementwise!;
  return ew.inputs.length === 1 && ew.expr === `Special.exp(${ew.inputs[0]})`;
}

/**
 * An op's name as a comment may hold it. Op names come from registerOp, i.e. from users: only
 * letters, digits, `_` and `$` pass, so no name can end the comment (a newline, U+2028, U+2029).
 */
function commentName(name: string): string {
  return name.replace(/[^\w$]/g, '_');
}

export interface Program {
  /** The function body (after the guard) and its header, as printed by `.source` (kernels first). */
  readonly source: string;
  /** Function declarations the body calls (the loop kernels of a large program), or ''. */
  readonly kernels: string;
  /** Statements emitted (one per live node). */
  readonly statements: number;
  /** Names bound in the generated function's closure (ops, parameters, constant tensors, helpers). */
  readonly scope: Record<string, unknown>;
  /** The parameters and body to compile. */
  readonly params: readonly string[];
  readonly body: string;
  /** The programs of the scans' bodies, each compiled on its own and bound in scope as `name`. */
  readonly subprograms: readonly { readonly name: string; readonly program: Program }[];
  /**
   * The loop nests of fused scans, `function (params) { … }` texts that read only their
   * parameters, `Math` and `Special`: compiled once per text per process and bound as `name`.
   */
  readonly steps: readonly { readonly name: string; readonly text: string }[];
}

const PARAMS = ['a0', 'a1', 'a2', 'a3'];

/** A number as JavaScript source. */
export function literal(c: number): string {
  if (Number.isNaN(c)) return 'NaN';
  if (c === Infinity) return 'Infinity';
  if (c === -Infinity) return '(-Infinity)';
  if (Object.is(c, -0)) return '(-0)';
  return c < 0 ? `(${c})` : String(c);
}

/** `expr` with its input names replaced by operand source (identifiers after a `.` are left alone). */
export function substitute(expr: string, names: readonly string[], operands: readonly string[]): string {
  return expr.replace(/(\.\s*)?\b([A-Za-z_$][\w$]*)/g, (m: string, dot: string | undefined, name: string) => {
    if (dot !== undefined) return m;
    const i = names.indexOf(name);
    return i < 0 ? m : operands[i];
  });
}

function isElementwiseTensor(n: Node): boolean {
  return n.kind === 'op' && n.shape !== null && n.op!.elementwise !== undefined;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A fused loop written as a kernel: its text (parameters and body) and the arguments of its call. */
interface Kernel {
  text: string;
  args: string[];
}

interface Group {
  members: number[];
  shape: Shape;
  sealed: boolean;
}

/**
 * Emits the program computing `outputs` from `inputs`, after `entry`'s guard (statements on
 * a0…a3). `naming` may give nodes their own names (the adjoint program names x̄ `v0_bar`); the
 * others are v0, v1, … in program order.
 *
 * The source holds only what this emitter writes: names it made, numbers, the ops' element-wise
 * expressions, and op names in comments reduced to identifier characters. Everything else an
 * op or the arguments bring — parameters, constant tensors, shapes, object keys — is bound in
 * the program's scope and read by name.
 */
export function emit(graph: Graph, inputs: readonly InputLoad[], outputs: OutTree, entry: Guard, naming?: (id: number) => string | undefined): Program {
  const nodes = graph.nodes;
  const outputIds: number[] = [];
  walkTree([outputs], [{ parent: null, label: 'the result' }], {
    leaf: (t) => outputIds.push((t as OutLeaf).id),
    enter: () => {},
    exit: () => {},
  });

  // 1. Liveness, from the outputs back.
  const live = new Uint8Array(nodes.length);
  const stack = [...outputIds];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live[id]) continue;
    live[id] = 1;
    for (const i of nodes[id].inputs) stack.push(i);
  }
  const consumers: number[][] = nodes.map(() => []);
  for (const n of nodes) if (live[n.id]) for (const i of n.inputs) consumers[i].push(n.id);
  const isOutput = new Set(outputIds);
  // Sums of unslices with disjoint windows (concat, stack): each written into one array.
  const placements = findPlacements(nodes, live, consumers, isOutput);
  const placedAway = new Set<number>();
  for (const [root, p] of placements) for (const id of [...p.adds, ...p.pieces]) if (id !== root) placedAway.add(id);

  // 2. Names: live inputs and ops v0, v1, … in program order; constants inline or in scope.
  const scope: Record<string, unknown> = {
    ...entry.scope,
    Tensor,
    dense,
    put,
    place,
    alloc: allocate,
    fresh: allocateUnfilled,
    expScratch,
    scalar: (v: number) => Tensor.fromData(new Float64Array([v]), []),
  };
  const subprograms: { name: string; program: Program }[] = [];
  const names = new Map<number, string>();
  let next = 0;
  let valueCount = 0;
  for (const n of nodes) if (live[n.id] && n.kind !== 'const') valueCount++;
  const slots = valueCount > MAX_LOCALS;
  let opCount = 0;
  for (const n of nodes) if (live[n.id] && n.kind === 'op') opCount++;
  const kernelMode = opCount > KERNELS_PAST;
  /** Kernel declarations by their text, each with its name (k0, k1, …). */
  const kernels = new Map<string, string>();
  /** The loop nests of fused scans by their text (shared across programs), each with its name here. */
  const steps = new Map<string, string>();
  /** Next free element of r (numbers) and of t (tensors and their data), in slot mode. */
  let slot = 0;
  let tensorSlot = 0;
  for (const n of nodes) {
    if (!live[n.id]) continue;
    if (n.kind === 'scan') names.set(n.id, `s${n.id}`);
    else if (slots && n.kind !== 'const') names.set(n.id, n.shape === null ? `r[${slot++}]` : `t[${tensorSlot++}]`);
    else if (n.kind === 'const') {
      if (typeof n.value === 'number') names.set(n.id, literal(n.value));
      else {
        const c = `c${n.id}`;
        scope[c] = n.value;
        scope[`${c}_d`] = (n.value as Tensor).data;
        names.set(n.id, c);
      }
    } else names.set(n.id, naming?.(n.id) ?? `v${next++}`);
  }
  const name = (id: number): string => names.get(id)!;
  /** The start of the statement that gives node `id` its value. */
  const define = (id: number): string => (slots ? `${name(id)} =` : `const ${name(id)} =`);
  /**
   * A value derived from node `id` (its data `_d`, a broadcast element `_s`, the loop's element
   * `_e`): a local named after the node, or in slot mode an element of t or r. `declare` is the
   * start of the statement that sets it.
   */
  const derived = new Map<string, string>();
  const local = (id: number, suffix: '_d' | '_s' | '_e'): string => {
    if (!slots) return `${name(id)}${suffix === '_e' ? '' : suffix}`;
    const key = `${id}${suffix}`;
    let ref = derived.get(key);
    if (ref === undefined) {
      ref = suffix === '_d' ? `t[${tensorSlot++}]` : `r[${slot++}]`;
      derived.set(key, ref);
    }
    return ref;
  };
  const declare = (ref: string): string => (slots ? `${ref} =` : `const ${ref} =`);

  // 3. Fusion groups (see the module comment): a same-shape element-wise consumer joins its
  // operand's group unless something outside the group already read that group.
  const groupOf = new Map<number, Group>();
  for (const n of nodes) {
    if (!live[n.id] || n.kind !== 'op') continue;
    if (isElementwiseTensor(n) && !placements.has(n.id) && !placedAway.has(n.id)) {
      let g: Group | undefined;
      for (const i of n.inputs) {
        const h = groupOf.get(i);
        if (h === undefined || h.sealed || h === g || !sameShape(h.shape, n.shape!) || !sameShape(nodes[i].shape!, n.shape!)) continue;
        if (g === undefined) g = h;
        else {
          for (const m of h.members) groupOf.set(m, g);
          g.members.push(...h.members);
          g.members.sort((x, y) => x - y);
        }
      }
      g ??= { members: [], shape: n.shape!, sealed: false };
      g.members.push(n.id);
      groupOf.set(n.id, g);
      for (const i of n.inputs) {
        const h = groupOf.get(i);
        if (h !== undefined && h !== g) h.sealed = true;
      }
    } else {
      for (const i of n.inputs) {
        const h = groupOf.get(i);
        if (h !== undefined) h.sealed = true;
      }
    }
  }

  // 3b. Gathers read in place (see the module comment). The index needs no check here: tracing
  // ran take's primal on it against x's shape (the sample), which refuses any index that is not
  // an integer in [0, size of x). x must be contiguous at run time (its sample says so: the
  // program reproduces the sample's layout).
  const gathers = new Map<number, { x: number; index: string }>();
  const indexArrays = new Map<number, string>();
  for (const n of nodes) {
    if (!live[n.id] || n.op !== (coreOps.take as unknown) || isOutput.has(n.id)) continue;
    const [xId, indexId] = n.inputs;
    const x = nodes[xId];
    const index = nodes[indexId];
    if (index.kind !== 'const' || !(index.value instanceof Tensor) || x.shape === null || !x.sample!.isContiguous) continue;
    const readers = consumers[n.id];
    if (readers.length === 0 || !readers.every((r) => groupOf.has(r) && sameShape(nodes[r].shape!, n.shape!))) continue;
    // One Int32Array per index: the gathers of many tangents at the same index share it.
    let g = indexArrays.get(indexId);
    if (g === undefined) {
      g = `g${indexArrays.size}`;
      indexArrays.set(indexId, g);
      scope[g] = Int32Array.from(index.value.toFloat64Array());
    }
    gathers.set(n.id, { x: xId, index: g });
  }

  // 4. Statements (in slot mode, the arrays are declared once their sizes are known, at the end).
  const lines: string[] = [];
  const dataDeclared = new Set<number>();
  const scalarDeclared = new Set<number>();
  /** The fused loops, each at its placeholder in `lines`, written both ways (see below). */
  const loops: { at: number; kernel: Kernel; inline: string[] }[] = [];
  const dataOf = (id: number): string => {
    const n = nodes[id];
    if (n.kind === 'const') return `${name(id)}_d`;
    if (!dataDeclared.has(id)) {
      dataDeclared.add(id);
      lines.push(`${declare(local(id, '_d'))} ${name(id)}.data;`);
    }
    return local(id, '_d');
  };
  let paramCount = 0;
  /** Blocked exp loops emitted so far (their scratch is xs0, xs1, …). */
  let blockNames = 0;
  /** Sums computed by a blocked exp loop: the node and the local holding its value. */
  const fusedSums = new Map<number, string>();
  /** Nodes whose arrays a fused loop of this program allocated, and those given to a later loop. */
  const owned = new Set<number>();
  const donated = new Set<number>();

  for (const load of inputs) {
    if (!live[load.id]) continue;
    const n = nodes[load.id];
    lines.push(n.shape === null ? `${define(load.id)} ${load.access}; // input` : `${define(load.id)} dense(${load.access}); // input [${n.shape.join(',')}]`);
  }

  let statements = 0;
  for (const n of nodes) {
    if (live[n.id] && n.kind === 'scan') {
      statements += emitScan(n);
      continue;
    }
    if (!live[n.id] || n.kind !== 'op' || gathers.has(n.id) || placedAway.has(n.id)) continue;
    const placement = placements.get(n.id);
    if (placement !== undefined) {
      statements += emitPlacement(n, placement);
      continue;
    }
    const op = n.op!;
    if (n.shape === null) {
      const ew = op.elementwise!;
      lines.push(`${define(n.id)} ${substitute(ew.expr, ew.inputs, n.inputs.map(name))}; // ${commentName(op.name)}`);
      statements++;
      continue;
    }
    const g = groupOf.get(n.id);
    if (g !== undefined) {
      if (g.members[g.members.length - 1] !== n.id) continue;
      statements += g.members.length;
      emitLoop(g);
      continue;
    }
    const fused = fusedSums.get(n.id);
    if (fused !== undefined) {
      const sp = `s${n.id}`;
      scope[sp] = [...n.shape];
      lines.push(`${define(n.id)} Tensor.fromData(Float64Array.of(${fused}), ${sp}); // ${commentName(op.name)}`);
      statements++;
      continue;
    }
    const p = `p${paramCount++}`;
    scope[p] = n.params;
    const opName = opBinding(op);
    const args = n.inputs.map((i) => (nodes[i].shape === null ? `scalar(${name(i)})` : name(i)));
    lines.push(`${define(n.id)} ${opName}.primal([${args.join(', ')}], ${p}); // ${commentName(op.name)}`);
    statements++;
  }

  /**
   * A scan node: its body compiled as a program of its own (`scanK`, in scope), and here the
   * loop that calls it — the carry in locals, one slice of each xs leaf per step, each y written
   * into its stacked buffer — then the parts the rest of the program reads. Returns the body's
   * statement count.
   */
  function emitScan(n: Node): number {
    const b = n.scan!;
    const fused = emitFusedScan(n);
    if (fused !== null) return fused;
    const fn = `scan${subprograms.length}`;
    const program = emit(
      b.graph,
      b.inputs.map((id, k) => ({ id, access: `a0[${k}]` })),
      b.outputs.map((id) => new OutLeaf(id)),
      { guard: [], scope: {} },
    );
    subprograms.push({ name: fn, program });
    const s = name(n.id);
    const m = b.carryCount;
    const q = b.xCount;
    const parts = consumers[n.id].map((id) => nodes[id]).filter((x) => x.kind === 'part');
    lines.push(`// scan: ${b.length} steps of ${fn}${b.reverse ? ', the last first' : ''}`);
    // Tensors enter the body dense (the body would copy a view at every step).
    const entering = (id: number) => (nodes[id].shape === null ? name(id) : `dense(${name(id)})`);
    for (let j = 0; j < m; j++) lines.push(`let ${s}_c${j} = ${entering(n.inputs[j])};`);
    lines.push(`const ${s}_in = new Array(${n.inputs.length});`);
    for (let k = m + q; k < n.inputs.length; k++) lines.push(`${s}_in[${k}] = ${entering(n.inputs[k])};`);
    const ys: { part: Node; out: number; size: number; scalar: boolean }[] = [];
    for (const part of parts) {
      if (part.index! < m) continue;
      const size = sizeOf(part.shape!.slice(1));
      ys.push({ part, out: part.index!, size, scalar: b.graph.nodes[b.outputs[part.index!]].shape === null });
      lines.push(`const ${s}_y${part.index} = alloc(${sizeOf(part.shape!)});`);
    }
    // Each leaf of xs read dense, then row t of it per step: a tensor over a subarray, no copy.
    for (let i = 0; i < q; i++) {
      const x = nodes[n.inputs[m + i]];
      const rowShape = x.shape!.slice(1);
      scope[`${s}_r${i}`] = rowShape;
      lines.push(`const ${s}_x${i} = dense(${name(x.id)}).data, ${s}_n${i} = ${sizeOf(rowShape)};`);
    }
    const step = `${s}_t`;
    lines.push(`for (let ${s}_k = 0; ${s}_k < ${b.length}; ${s}_k++) {`);
    lines.push(`  const ${step} = ${b.reverse ? `${b.length - 1} - ${s}_k` : `${s}_k`};`);
    for (let j = 0; j < m; j++) lines.push(`  ${s}_in[${j}] = ${s}_c${j};`);
    for (let i = 0; i < q; i++)
      lines.push(`  ${s}_in[${m + i}] = Tensor.fromData(${s}_x${i}.subarray(${step} * ${s}_n${i}, ${step} * ${s}_n${i} + ${s}_n${i}), ${s}_r${i});`);
    lines.push(`  const ${s}_o = ${fn}(${s}_in);`);
    for (let j = 0; j < m; j++) lines.push(`  ${s}_c${j} = ${s}_o[${j}];`);
    for (const y of ys) {
      lines.push(y.scalar ? `  ${s}_y${y.out}[${step}] = ${s}_o[${y.out}];` : `  put(${s}_y${y.out}, ${s}_o[${y.out}], ${step}, ${y.size});`);
    }
    lines.push('}');
    for (const part of parts) {
      const k = part.index!;
      if (k < m) {
        lines.push(`${define(part.id)} ${part.shape === null ? `${s}_c${k}` : `dense(${s}_c${k})`}; // scan carry`);
      } else {
        const sp = `s${part.id}`;
        scope[sp] = [...part.shape!];
        lines.push(`${define(part.id)} Tensor.fromData(${s}_y${k}, ${sp}); // scan ys`);
      }
    }
    return program.statements + 1;
  }

  /**
   * A scan whose body is element-wise over one shape S — every tensor it reads and computes has
   * shape S, its carry holds tensors only, and every op is element-wise (an LSTM cell, its vjp) —
   * is one loop nest here: steps outside, the elements of S inside, the body's expressions in
   * locals, each carry updated in place (element i of a step reads only element i), each y
   * written into row t of its buffer. No tensor is made per step. Returns null for other bodies
   * (emitScan then compiles the body as a program of its own), else the statement count.
   */
  function emitFusedScan(n: Node): number | null {
    const b = n.scan!;
    const body = b.graph.nodes;
    const m = b.carryCount;
    const q = b.xCount;
    const shapeOfBody = body[b.inputs[0]]?.shape;
    if (shapeOfBody === null || shapeOfBody === undefined) return null;
    const shape = shapeOfBody;
    const size = sizeOf(shape);
    const isS = (x: Node) => x.shape !== null && sameShape(x.shape, shape);
    const parts = consumers[n.id].map((id) => nodes[id]).filter((x) => x.kind === 'part');
    // The carry is always needed (the next step reads it); a y only if its part is read.
    const needed = b.outputs.map((_, k) => k < m || parts.some((x) => x.index === k));
    const alive = new Uint8Array(body.length);
    const stack = b.outputs.filter((_, k) => needed[k]);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (alive[id]) continue;
      alive[id] = 1;
      stack.push(...body[id].inputs);
    }
    const role = new Map<number, number>(b.inputs.map((id, k) => [id, k]));
    for (const x of body) {
      if (!alive[x.id] && !role.has(x.id)) continue;
      if (x.kind === 'input') {
        const k = role.get(x.id)!;
        // The carry and the rows of xs are S; a capture may also be a number.
        if (!(isS(x) || (k >= m + q && x.shape === null))) return null;
      } else if (x.kind === 'const') {
        if (typeof x.value !== 'number' && !(isS(x) && (x.value as Tensor).isContiguous)) return null;
      } else if (x.kind !== 'op' || !isElementwiseTensor(x) || !isS(x)) return null;
      else if (x.inputs.some((i) => body[i].shape !== null && !isS(body[i]))) return null;
    }
    const s = name(n.id);
    const read = new Map<number, string>();
    lines.push(`// scan: ${b.length} steps${b.reverse ? ', the last first' : ''}, fused into one loop over [${shape.join(',')}] per step`);
    b.inputs.forEach((id, k) => {
      const outer = n.inputs[k];
      if (k < m) {
        // A copy: the carry is updated in place.
        lines.push(`const ${s}_c${k} = dense(${name(outer)}).data.slice(0, ${size});`);
        read.set(id, `${s}_c${k}[i]`);
      } else if (k < m + q) {
        lines.push(`const ${s}_x${k} = dense(${name(outer)}).data;`);
        read.set(id, `${s}_x${k}[${s}_o + i]`);
      } else if (body[id].shape === null) read.set(id, `${s}_a${k}`);
      else {
        lines.push(`const ${s}_k${k} = dense(${name(outer)}).data;`);
        read.set(id, `${s}_k${k}[i]`);
      }
    });
    for (const x of body) {
      if (!alive[x.id] || x.kind !== 'const') continue;
      if (typeof x.value === 'number') read.set(x.id, literal(x.value));
      else {
        const t = x.value as Tensor;
        scope[`${s}_q${x.id}`] = t.data;
        read.set(x.id, `${s}_q${x.id}[${t.offset === 0 ? '' : `${t.offset} + `}i]`);
      }
    }
    for (const part of parts) if (part.index! >= m) lines.push(`const ${s}_y${part.index} = alloc(${sizeOf(part.shape!)});`);
    const inner: string[] = [];
    let count = 0;
    for (const x of body) {
      if (!alive[x.id] || x.kind !== 'op') continue;
      const ew = x.op!.elementwise!;
      inner.push(
        `const ${s}_e${x.id} = ${substitute(
          ew.expr,
          ew.inputs,
          x.inputs.map((i) => read.get(i)!),
        )}; // ${commentName(x.op!.name)}`,
      );
      read.set(x.id, `${s}_e${x.id}`);
      count++;
    }
    // Every output read into a local before any is written: a carry may become another's.
    const writes: string[] = [];
    b.outputs.forEach((id, k) => {
      if (!needed[k] || (k < m && id === b.inputs[k])) return; // unread, or passed through unchanged
      inner.push(`const ${s}_r${k} = ${read.get(id)!};`);
      writes.push(k < m ? `${s}_c${k}[i] = ${s}_r${k};` : `${s}_y${k}[${s}_o + i] = ${s}_r${k};`);
    });
    // The loop nest is a function of its own, called once: the program around it may be past
    // the size V8 optimises (a jitted l-layer LSTM gradient holds 2l of these nests), and a
    // small function running a long loop is optimised on its own. Its parameters are the
    // arrays and numbers it reads, under the names the program gives them.
    const params = [...new Set([...inner, ...writes].join('\n').match(new RegExp(`\\b${s}_[cxkyq]\\d+\\b`, 'g')) ?? [])];
    const scalars: string[] = [];
    b.inputs.forEach((id, k) => {
      if (k >= m + q && body[id].shape === null && alive[id]) {
        const a = `${s}_a${k}`;
        scalars.push(a);
        lines.push(`const ${a} = ${name(n.inputs[k])};`);
      }
    });
    const nest = [
      `for (let ${s}_k = 0; ${s}_k < ${s}_n; ${s}_k++) {`,
      `  const ${s}_o = ${b.reverse ? `(${s}_n - 1 - ${s}_k)` : `${s}_k`} * ${size};`,
      `  for (let i = 0; i < ${size}; i++) {`,
      ...[...inner, ...writes].map((l) => `    ${l}`),
      '  }',
      '}',
    ];
    const args = [...params, ...scalars, `${s}_n`];
    // Written without this scan's prefix and with the step count as a parameter, the text of a
    // body's loop nest is the same in every program that scans that body, whatever the length:
    // jit.ts compiles each text once per process, so an LSTM's layers, and every input's
    // program, run one function that V8 has already optimised.
    const text = `(${args.join(', ')}) {\n${nest.map((l) => `  ${l}`).join('\n')}\n}`.replace(new RegExp(`\\b${s}_`, 'g'), '');
    let kernel = steps.get(text);
    if (kernel === undefined) {
      kernel = `steps${steps.size}`;
      steps.set(text, kernel);
    }
    lines.push(`${kernel}(${[...params, ...scalars, String(b.length)].join(', ')});`);
    for (const part of parts) {
      const k = part.index!;
      const sp = `s${part.id}`;
      scope[sp] = [...part.shape!];
      lines.push(`${define(part.id)} Tensor.fromData(${k < m ? `${s}_c${k}` : `${s}_y${k}`}, ${sp}); // scan ${k < m ? 'carry' : 'ys'}`);
    }
    return count + 1;
  }

  /**
   * A placement (see place.ts): the result's array (zeroed only if some element is in no
   * window), then each piece written into its window. Returns the statement count.
   */
  function emitPlacement(n: Node, placement: Placement): number {
    const shape = n.shape!;
    const sp = `s${n.id}`;
    scope[sp] = [...shape];
    lines.push(`// placed: ${placement.pieces.length} pieces into [${shape.join(',')}]`);
    lines.push(`${declare(local(n.id, '_d'))} ${placement.covered ? 'fresh' : 'alloc'}(${sizeOf(shape)});`);
    lines.push(`${define(n.id)} Tensor.fromData(${local(n.id, '_d')}, ${sp});`);
    dataDeclared.add(n.id);
    for (const piece of placement.pieces) {
      const p = `p${paramCount++}`;
      scope[p] = nodes[piece].params;
      lines.push(`place(${name(n.id)}, ${name(nodes[piece].inputs[0])}, ${p}); // unslice`);
    }
    return placement.pieces.length + placement.adds.length;
  }

  function opBinding(op: Op<unknown>): string {
    const base = `op_${op.name.replace(/[^\w$]/g, '_')}`;
    let b = base;
    for (let k = 2; scope[b] !== undefined && scope[b] !== op; k++) b = `${base}${k}`;
    scope[b] = op;
    return b;
  }

  function emitLoop(g: Group): void {
    const members = new Set(g.members);
    const shape = g.shape;
    const n = sizeOf(shape);
    const rank = shape.length;
    const rowMajor = rowMajorStrides(shape);
    let strided = false;
    const operand = new Map<number, string>();
    const hoisted: string[] = [];
    for (const m of g.members) {
      for (const i of nodes[m].inputs) {
        if (members.has(i) || operand.has(i)) continue;
        const x = nodes[i];
        if (x.shape === null) {
          operand.set(i, name(i));
          continue;
        }
        const gather = gathers.get(i);
        if (gather !== undefined) {
          // Same shape as the loop (checked in 3b): element i of the gather is x at g[i].
          const offset = nodes[gather.x].sample!.offset;
          operand.set(i, `${dataOf(gather.x)}[${offset === 0 ? '' : `${offset} + `}${gather.index}[i]]`);
          continue;
        }
        const t = x.sample!;
        // Strides of x seen over the loop's shape (0 on broadcast axes).
        const lead = rank - t.ndim;
        const stride = shape.map((_, d) => (d < lead || t.shape[d - lead] === 1 ? 0 : t.stride[d - lead]));
        // One number for every element (a single element, or one broadcast with stride 0 on
        // every axis, as the backward pass spreads a scalar's adjoint): read once, before the
        // loop, which then stays flat.
        if (t.size === 1 || stride.every((st) => st === 0)) {
          const s = local(i, '_s');
          if (!scalarDeclared.has(i)) {
            scalarDeclared.add(i);
            hoisted.push(`${declare(s)} ${dataOf(i)}[${t.offset}];`);
          }
          operand.set(i, s);
          continue;
        }
        const flat = sameShape(t.shape, shape) && stride.every((s, d) => shape[d] === 1 || s === rowMajor[d]);
        const base = dataOf(i);
        if (flat) operand.set(i, `${base}[${t.offset === 0 ? '' : `${t.offset} + `}i]`);
        else {
          strided = true;
          const terms = stride.flatMap((s, d) => (s === 0 ? [] : [s === 1 ? `i${d}` : `i${d} * ${s}`]));
          if (t.offset !== 0 || terms.length === 0) terms.unshift(String(t.offset));
          operand.set(i, `${base}[${terms.join(' + ')}]`);
        }
      }
    }
    const stored = g.members.filter((m) => isOutput.has(m) || consumers[m].some((c) => !members.has(c)));
    const names = g.members.map((m) => commentName(nodes[m].op!.name));
    lines.push(`// ${g.members.length === 1 ? names[0] : `fused ${names.join(', ')}`} over [${shape.join(',')}]`);
    // Exps stored and read by no other member: their arguments go to the exp kernel's scratch.
    const blockedExps =
      kernelMode || strided || n < EXP_BLOCKED_FROM ? [] : stored.filter((m) => isExp(nodes[m]) && consumers[m].every((c) => !members.has(c)));
    if (blockedExps.length > 0) {
      emitBlockedExps(g, members, operand, hoisted, stored, blockedExps);
      return;
    }
    const give = donations(g, operand, stored);
    // Every element is written below: arrays need not start at zero.
    for (const m of stored) lines.push(`${declare(local(m, '_d'))} ${give.get(m) ?? `fresh(${n})`};`);
    lines.push(...hoisted);
    // The loop is written both ways; which one the program gets is decided once every loop is
    // known (see the end of emit): a kernel's text is the same for loops that do the same work.
    loops.push({ at: lines.length, kernel: kernelOf(g, members, operand, stored, strided), inline: kernelMode ? [] : inlineLoop() });
    lines.push('');
    for (const m of stored) {
      const sp = `s${m}`;
      scope[sp] = [...shape];
      lines.push(`${define(m)} Tensor.fromData(${local(m, '_d')}, ${sp});`);
      dataDeclared.add(m);
    }

    function inlineLoop(): string[] {
      const lines: string[] = [];
      const read = (i: number) => (members.has(i) ? local(i, '_e') : operand.get(i)!);
      const body = fusedBody(g, stored, (m) => local(m, '_e'), declare, read, !slots);
      for (const m of stored) body.push(`${local(m, '_d')}[i] = ${local(m, '_e')};`);
      if (!strided) {
        lines.push(`for (let i = 0; i < ${n}; i++) {`, ...body.map((l) => `  ${l}`), '}');
      } else {
        lines.push('{', '  let i = 0;');
        for (let d = 0; d < rank; d++) {
          const indent = '  '.repeat(d + 1);
          lines.push(`${indent}for (let i${d} = 0; i${d} < ${shape[d]}; i${d}++${d === rank - 1 ? ', i++' : ''}) {`);
        }
        const indent = '  '.repeat(rank + 1);
        lines.push(...body.map((l) => `${indent}${l}`));
        for (let d = rank - 1; d >= 0; d--) lines.push(`${'  '.repeat(d + 1)}}`);
        lines.push('}');
      }
      return lines;
    }
  }

  /** Where node id's value is emitted: its fused loop (at the group's last member), or itself. */
  function emittedAt(id: number): number {
    const g = groupOf.get(id);
    return g === undefined ? id : g.members[g.members.length - 1];
  }

  /**
   * Arrays of this program that a fused loop may write its stored members into instead of
   * allocating: an array that an earlier fused loop allocated (never an argument's, a
   * constant's or an op's, which a view could share), of the loop's size, read by this loop only
   * at the element it writes (flat `x_d[i]`), not an output, and read by nothing emitted after
   * this loop, nor through a view (every reader of it copies). Each goes to one stored member: a fresh 10 MB array costs its page faults (and
   * the GC its release), so lse's gradient at n = 1.28·10⁶ scales softmax in the exp array.
   */
  function donations(g: Group, operand: Map<number, string>, stored: readonly number[]): Map<number, string> {
    const give = new Map<number, string>();
    const at = g.members[g.members.length - 1];
    const n = sizeOf(g.shape);
    const wanting = [...stored];
    for (const [x, src] of operand) {
      if (wanting.length === 0) break;
      if (!owned.has(x) || isOutput.has(x) || donated.has(x) || sizeOf(nodes[x].shape!) !== n) continue;
      if (src !== `${local(x, '_d')}[i]`) continue;
      if (consumers[x].some((c) => !fusedSums.has(c) && emittedAt(c) > at)) continue;
      // A consumer that may return a view of x (reshape, a slice, …) would let a later op read
      // x's array through it: only fused loops and reductions, which copy, may have read x.
      if (consumers[x].some((c) => !groupOf.has(c) && !fusedSums.has(c) && !COPYING.has(nodes[c].op!))) continue;
      donated.add(x);
      give.set(wanting.shift()!, local(x, '_d'));
    }
    for (const m of stored) owned.add(m);
    return give;
  }

  /**
   * A fused loop whose stored exps no other member reads, over blocks of EXP_BLOCK elements:
   * the loop writes each exp's argument into a block of scratch in the WebAssembly module's
   * memory, the SIMD kernel exponentiates the block in place (two lanes at a time, the bits of
   * Special.exp), and one copy moves it into the exp's array. lse's x − max, exp and sum at
   * n = 1.28·10⁶ took 4.2 ms so, against 7.9 ms for the Special.exp loop and the sum's pass
   * (best of 80, loaded machine). Where WebAssembly does not load (or under setKernels('js'))
   * the scratch is a JavaScript array exponentiated by Special.exp (core's expScratch).
   */
  function emitBlockedExps(
    g: Group,
    members: Set<number>,
    operand: Map<number, string>,
    hoisted: readonly string[],
    stored: readonly number[],
    exps: readonly number[],
  ): void {
    const n = sizeOf(g.shape);
    const k = blockNames++;
    const sc = `xs${k}`;
    const heap = `xh${k}`;
    const end = `xe${k}`;
    // A sum of all of an exp's elements is the kernel's running sum (the sum op's order, so its
    // bits); an exp only that sum reads gets no array.
    const sums = exps.map((m) =>
      consumers[m].find((c) => nodes[c].op === coreOps.sum && (nodes[c].params as { axes: readonly number[] }).axes.length === g.shape.length),
    );
    const arrays = stored.filter((m) => {
      const q = exps.indexOf(m);
      return q < 0 || isOutput.has(m) || consumers[m].some((c) => c !== sums[q]);
    });
    const give = donations(g, operand, arrays);
    for (const m of arrays) lines.push(`${declare(local(m, '_d'))} ${give.get(m) ?? `fresh(${n})`};`);
    lines.push(...hoisted);
    exps.forEach((_, q) => {
      if (sums[q] !== undefined) lines.push(`let xa${k}_${q} = 0;`);
    });
    // An exp of an array the loop reads flat, or of such an array minus a number (softmax's and
    // lse's x − max), copies the block into the scratch with one `set` and lets the kernel
    // subtract: no JavaScript loop writes its arguments.
    const direct = exps.map((m) => {
      const flat = (x: number): boolean => !members.has(x) && operand.get(x) === `${local(x, '_d')}[i]`;
      const arg = nodes[m].inputs[0];
      if (flat(arg)) return { sub: -1, from: local(arg, '_d'), shift: '0' };
      const s = nodes[arg];
      if (!members.has(arg) || s.op !== coreOps.sub || isOutput.has(arg) || consumers[arg].length !== 1) return undefined;
      const [x, y] = s.inputs;
      const number = !members.has(y) && (nodes[y].shape === null || nodes[y].sample?.size === 1);
      return flat(x) && number ? { sub: arg, from: local(x, '_d'), shift: operand.get(y)! } : undefined;
    });
    const folded = new Set(direct.flatMap((d) => (d === undefined || d.sub < 0 ? [] : [d.sub])));
    lines.push(`const ${sc} = expScratch(${exps.length});`, `const ${heap} = ${sc}.heap;`);
    lines.push(`for (let b = 0; b < ${n}; b += ${EXP_BLOCK}) {`);
    lines.push(`  const ${end} = b + ${EXP_BLOCK} < ${n} ? b + ${EXP_BLOCK} : ${n};`);
    const body: string[] = [];
    for (const m of g.members) {
      const x = nodes[m];
      const q = exps.indexOf(m);
      if (folded.has(m) || (q >= 0 && direct[q] !== undefined)) continue;
      const args = x.inputs.map((i) => (members.has(i) ? local(i, '_e') : operand.get(i)!));
      if (q >= 0) {
        body.push(`${heap}[${q === 0 ? 'j' : `j + ${q * EXP_BLOCK}`}] = ${args[0]}; // exp's argument`);
        continue;
      }
      const ew = x.op!.elementwise!;
      body.push(`${declare(local(m, '_e'))} ${substitute(ew.expr, ew.inputs, args)}; // ${commentName(x.op!.name)}`);
    }
    for (const m of arrays) if (!exps.includes(m)) body.push(`${local(m, '_d')}[i] = ${local(m, '_e')};`);
    const blockAt = (q: number): string => (q === 0 ? `${sc}.at` : `${sc}.at + ${q * EXP_BLOCK}`);
    // Copied in before the loop writes the block: a stored member may write into an array
    // (donations) that a direct exp reads.
    exps.forEach((_, q) => {
      const d = direct[q];
      if (d !== undefined) lines.push(`  ${heap}.set(${d.from}.subarray(b, ${end}), ${blockAt(q)});`);
    });
    if (body.length > 0) lines.push(`  for (let i = b, j = ${sc}.at; i < ${end}; i++, j++) {`, ...body.map((l) => `    ${l}`), '  }');
    exps.forEach((m, q) => {
      const at = blockAt(q);
      const acc = `xa${k}_${q}`;
      const d = direct[q];
      const shift = d === undefined ? '0' : d.shift;
      lines.push(`  ${sums[q] === undefined ? '' : `${acc} = `}${sc}.run(${at}, ${end} - b, ${sums[q] === undefined ? 0 : acc}, ${shift}); // exp`);
      if (arrays.includes(m)) lines.push(`  ${local(m, '_d')}.set(${heap}.subarray(${at}, ${at} + ${end} - b), b);`);
    });
    lines.push('}');
    for (const m of arrays) {
      const sp = `s${m}`;
      scope[sp] = [...g.shape];
      lines.push(`${define(m)} Tensor.fromData(${local(m, '_d')}, ${sp});`);
      dataDeclared.add(m);
    }
    exps.forEach((_, q) => {
      const c = sums[q];
      if (c !== undefined) fusedSums.set(c, `xa${k}_${q}`);
    });
  }

  /**
   * A fused loop as a kernel: `kN(x0, x1, …, o0, o1, …)` reads its operands' data (or numbers)
   * and writes the stored members' data. Its text names only its parameters, so loops that do
   * the same arithmetic at the same layout share one kernel. Returns the text and the arguments.
   */
  /**
   * A fused group's loop body, once for the inline loop and the kernel's source: each member
   * `declaration(name) expression` over `read` (a member's name or an operand's), the branches
   * of a where computed lazily (branches.ts).
   */
  function fusedBody(
    g: Group,
    stored: readonly number[],
    name: (m: number) => string,
    declaration: (ref: string) => string,
    read: (i: number) => string,
    declared: boolean,
  ): string[] {
    const line = (m: number) => {
      const x = nodes[m];
      const ew = x.op!.elementwise!;
      return `${declaration(name(m))} ${substitute(ew.expr, ew.inputs, x.inputs.map(read))}; // ${commentName(x.op!.name)}`;
    };
    return bodyLines(g.members, lazyBranches(nodes, g.members, consumers, new Set(stored)), nodes, line, name, read, declared);
  }

  function kernelOf(g: Group, members: Set<number>, operand: Map<number, string>, stored: readonly number[], strided: boolean): Kernel {
    // Each operand source (`v0_d[i]`, `v3_s`, `r[7]`) names an array or number of the program;
    // the kernel receives those as x0, x1, … and reads them with the same index expressions.
    const args: string[] = [];
    const param = new Map<string, string>();
    const rename = (src: string): string => {
      // A number is a local or an element of r; an array read is an array (a local, or an
      // element of t in slot mode) and its index expression.
      // A gather reads two arrays, x at the index array's element: `v3_d[g7[i]]`.
      const gather = /^(t\[\d+\]|[\w$]+)\[(\d+ \+ )?([\w$]+)\[i\]\]$/.exec(src);
      if (gather !== null) return `${parameter(gather[1])}[${gather[2] ?? ''}${parameter(gather[3])}[i]]`;
      const read = /^r\[\d+\]$/.test(src) ? null : /^(t\[\d+\]|[\w$]+)(\[.*\])$/.exec(src);
      const x = parameter(read === null ? src : read[1]);
      return read === null ? x : `${x}${read[2]}`;
    };
    function parameter(outer: string): string {
      let x = param.get(outer);
      if (x === undefined) {
        x = `x${param.size}`;
        param.set(outer, x);
        args.push(outer);
      }
      return x;
    }
    const ins = new Map<number, string>();
    for (const [i, src] of operand) ins.set(i, rename(src));
    const outs = stored.map((_, k) => `o${k}`);
    const element = new Map<number, string>(g.members.map((m, k) => [m, `e${k}`]));
    const read = (i: number) => (members.has(i) ? element.get(i)! : ins.get(i)!);
    const body = fusedBody(
      g,
      stored,
      (m) => element.get(m)!,
      (ref) => `const ${ref} =`,
      read,
      true,
    );
    stored.forEach((m, k) => body.push(`${outs[k]}[i] = ${element.get(m)};`));
    const shape = g.shape;
    const loop: string[] = [];
    if (!strided) loop.push(`for (let i = 0; i < ${sizeOf(shape)}; i++) {`, ...body.map((l) => `  ${l}`), '}');
    else {
      loop.push('let i = 0;');
      for (let d = 0; d < shape.length; d++) {
        loop.push(`${'  '.repeat(d)}for (let i${d} = 0; i${d} < ${shape[d]}; i${d}++${d === shape.length - 1 ? ', i++' : ''}) {`);
      }
      loop.push(...body.map((l) => `${'  '.repeat(shape.length)}${l}`));
      for (let d = shape.length - 1; d >= 0; d--) loop.push(`${'  '.repeat(d)}}`);
    }
    const params = [...args.map((_, k) => `x${k}`), ...outs];
    const text = `(${params.join(', ')}) {\n${loop.map((l) => `  ${l}`).join('\n')}\n}`;
    return { text, args: [...args, ...stored.map((m) => local(m, '_d'))] };
  }

  // Each loop as a kernel call or inline. A kernel is a small function that V8 optimises on
  // its own after a few calls; a loop inline runs once per call of the program, so it waits for
  // on-stack replacement, which compiles the whole program function again for each such loop
  // (a program of 28 loops, the 26 directions of a jvp among them, took 3–6 calls to reach speed,
  // each slower than eager mode). So loops whose text repeats (the same work on other arrays)
  // share a kernel, and past KERNELS_PAST ops every loop is one.
  const uses = new Map<string, number>();
  for (const l of loops) uses.set(l.kernel.text, (uses.get(l.kernel.text) ?? 0) + 1);
  for (const l of loops) {
    if (!kernelMode && uses.get(l.kernel.text)! < 2) {
      lines[l.at] = l.inline.join('\n');
      continue;
    }
    let kernel = kernels.get(l.kernel.text);
    if (kernel === undefined) {
      kernel = `k${kernels.size}`;
      kernels.set(l.kernel.text, kernel);
    }
    lines[l.at] = `${kernel}(${l.kernel.args.join(', ')});`;
  }

  // The result, built bottom-up; object keys come from key lists in scope, as computed keys.
  const built: string[][] = [[]];
  const builtKeys: (readonly string[] | null)[] = [];
  let results = 0;
  let keyLists = 0;
  walkTree([outputs], [{ parent: null, label: 'the result' }], {
    leaf: (t) => built[built.length - 1].push(name((t as OutLeaf).id)),
    enter: (_t, keys) => {
      built.push([]);
      builtKeys.push(keys);
    },
    exit: () => {
      const parts = built.pop()!;
      const keys = builtKeys.pop()!;
      let expr: string;
      if (keys === null) expr = `[${parts.join(', ')}]`;
      else {
        // One key list per object: two objects of the result never share a name in scope.
        const list = `ok${keyLists++}`;
        scope[list] = keys;
        expr = `{ ${parts.map((v, i) => `[${list}[${i}]]: ${v}`).join(', ')} }`;
      }
      // Containers nest inside their parent's expression, except every 64th level, which is
      // bound to a local so that no expression nests deeper than that.
      if (built.length % 64 !== 0) built[built.length - 1].push(expr);
      else {
        const o = `o${results++}`;
        lines.push(`const ${o} = ${expr};`);
        built[built.length - 1].push(o);
      }
    },
  });
  lines.push(`return ${built[0][0]};`);
  if (slots) lines.unshift(`const r = new Float64Array(${slot});`, `const t = new Array(${tensorSlot});`);
  const body = [...entry.guard, ...lines].join('\n');
  const declarations = [...kernels].map(([text, kernel]) => `function ${kernel}${text}`).join('\n');
  const bodies = [
    ...[...steps].map(([text, kernel]) => `function ${kernel}${text}\n`),
    ...subprograms.map((sub) => `const ${sub.name} = ${sub.program.source};\n`),
  ].join('');
  const source = `${bodies}${declarations === '' ? '' : `${declarations}\n`}function (${PARAMS.join(', ')}) {\n${body
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n}`;
  return { source, kernels: declarations, statements, scope, params: PARAMS, body, subprograms, steps: [...steps].map(([text, name]) => ({ name, text })) };
}

function rowMajorStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Writes tensor y (`size` elements) into row t of a stacked buffer. */
function put(buffer: Float64Array, y: Tensor, t: number, size: number): void {
  if (y.isContiguous) buffer.set(y.data.subarray(y.offset, y.offset + size), t * size);
  else buffer.set(y.toFloat64Array(), t * size);
}

/** A tensor laid out as the trace assumed: row-major from offset 0 (a copy otherwise). */
function dense(t: Tensor): Tensor {
  return t.offset === 0 && t.isContiguous ? t : Tensor.fromData(t.toFloat64Array(), t.shape);
}

/** The Wengert list of a graph: every live op node, one line each, as `v2 = add(v0, v1)`. */
export function wengert(graph: Graph, outputs: readonly number[]): string {
  const live = new Set<number>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    for (const i of graph.nodes[id].inputs) stack.push(i);
  }
  const names = new Map<number, string>();
  let k = 0;
  const lines: string[] = [];
  for (const n of graph.nodes) {
    if (!live.has(n.id)) continue;
    if (n.kind === 'const') {
      names.set(n.id, typeof n.value === 'number' ? String(n.value) : `tensor[${n.value!.shape.join(',')}]`);
      continue;
    }
    if (n.kind === 'scan') {
      names.set(n.id, `scan[${n.scan!.length} steps](${n.inputs.map((i) => names.get(i)).join(', ')})`);
      continue;
    }
    const v = `v${k++}`;
    names.set(n.id, v);
    if (n.kind === 'part') lines.push(`${v} = ${names.get(n.inputs[0])}[${n.index}]`);
    else if (n.kind === 'input') lines.push(`${v} = input${n.shape === null ? '' : ` [${n.shape.join(',')}]`}`);
    else lines.push(`${v} = ${n.op!.name}(${n.inputs.map((i) => names.get(i)).join(', ')})`);
  }
  return lines.join('\n');
}
