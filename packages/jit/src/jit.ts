/**
 * `jit(fn)`: trace once per input signature, emit one straight-line function, cache it.
 *
 * A call checks the compiled function's guard (the argument structure, array lengths, tensor
 * shapes — the signature) inside the compiled code itself; on a mismatch it falls to `miss`,
 * which finds or traces the signature's program. Tracing calls fn on tracers: inputs become
 * graph inputs, every op of the table is recorded (through any transforms inside fn: they
 * unwrap to tracers and run their rules on them), and the outputs name the nodes to emit.
 */
import { AdError, DTypeError, Tensor, ValueError } from '@ad/core';
import { Special, anyOps, isTagged, newTag } from '@ad/core/engine';
import { Graph } from './graph.js';
import { TensorTracer, Tracer, TracingError } from './tracer.js';
import { OutLeaf, emit, wengert, type InputLoad, type OutTree, type Program } from './emit.js';

/** What `jit` keeps about its cache. */
export interface JitStats {
  /** Programs traced and compiled (one per signature seen). */
  readonly traces: number;
  /** Calls whose signature differed from the previous call's (each either retraced or switched programs). */
  readonly misses: number;
  /** The signatures traced, in order: `([n,n])`, `(T[4,16])`. */
  readonly signatures: readonly string[];
  /** Why the last trace happened: the first call, or the signature that changed. */
  readonly lastRetrace: string | null;
}

/** A traced program, without running it: for printing and teaching. */
export interface Lowered {
  /** The generated function. */
  readonly source: string;
  /** The traced ops, one line per node that an output depends on. */
  readonly wengert: string;
  /** Statements in the generated function (one per live node). */
  readonly statements: number;
  /** Nodes recorded while tracing (before dead-code elimination). */
  readonly traced: number;
  readonly signature: string;
}

/** An adjoint program written by `adjointProgram`, and a way to run it. */
export interface AdjointProgram extends Lowered {
  /** Runs the program: [x̄₀, x̄₁, …] at x (an array of the length it was written for). */
  gradient(x: readonly number[]): number[];
}

/**
 * A jitted function: fn's signature, plus its generated source and cache statistics.
 * @typeParam F - the type of the function compiled
 */
export type Jitted<F extends (...args: never[]) => unknown> = F & {
  /** The program generated for the most recent signature. */
  readonly source: string;
  /** How many programs were traced, for which signatures, and what changed last. */
  readonly stats: JitStats;
  /** Traces and emits at these arguments without running: source, Wengert list, sizes. */
  lower(...args: Parameters<F>): Lowered;
};

type Entry = (a0: unknown, a1: unknown, a2: unknown, a3: unknown) => unknown;

let warnedNoEval = false;

/**
 * Compiles fn into straight-line JavaScript per input signature. Arguments are numbers,
 * tensors, and arrays or plain objects of them (at most 4 arguments); so are results.
 * Transforms inside fn are traced through: `jit(grad(f))` emits the primal and the adjoint
 * program together. Where a Content-Security-Policy forbids `new Function`, the jitted
 * function runs fn eagerly (and says so once).
 * @typeParam F - the type of fn; the jitted function has the same
 */
export function jit<F extends (...args: never[]) => unknown>(fn: F): Jitted<F> {
  if (typeof fn !== 'function') throw new DTypeError('jit', `expected a function to compile, got ${fn === null ? 'null' : typeof fn}`);
  const cache = new Map<string, { entry: Entry; program: Program; lowered: Lowered }>();
  const signatures: string[] = [];
  let traces = 0;
  let misses = 0;
  let lastRetrace: string | null = null;
  let current: { program: Program } | null = null;
  let eager = false;
  const call = fn as unknown as (...args: unknown[]) => unknown;

  const miss: Entry = (a0, a1, a2, a3) => {
    const args = trimArgs([a0, a1, a2, a3]);
    if (eager || args.some(hasTagged)) return call(...args);
    misses++;
    const sig = signatureOf(args);
    let hit = cache.get(sig.key);
    if (hit === undefined) {
      const previous = signatures[signatures.length - 1];
      const lowered = trace(fn, args, sig);
      let compiled: Entry;
      try {
        compiled = compileProgram(lowered.program.params, lowered.program.body, { ...lowered.program.scope, miss }) as unknown as Entry;
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        if (!warnedNoEval) {
          warnedNoEval = true;
          console.warn('jit: this page forbids generating code (new Function); jitted functions run eagerly');
        }
        eager = true;
        box.entry = (b0, b1, b2, b3) => call(...trimArgs([b0, b1, b2, b3]));
        return call(...args);
      }
      hit = { entry: compiled, program: lowered.program, lowered: lowered.info };
      cache.set(sig.key, hit);
      signatures.push(sig.key);
      traces++;
      lastRetrace = previous === undefined ? `first call ${sig.key}` : `${previous} → ${sig.key}`;
    }
    box.entry = hit.entry;
    current = hit;
    return hit.entry(a0, a1, a2, a3);
  };
  const box: { entry: Entry } = { entry: miss };
  const jitted = wrapper(box);
  Object.defineProperties(jitted, {
    source: {
      get: () => {
        if (current === null) {
          throw new ValueError(
            'jit',
            eager
              ? 'no program: code generation is unavailable here, so fn runs eagerly'
              : 'no program yet: call the jitted function once (it traces on its first call), or use lower(...args)',
          );
        }
        return current.program.source;
      },
    },
    stats: { get: (): JitStats => ({ traces, misses, signatures: [...signatures], lastRetrace }) },
    lower: { value: (...args: unknown[]) => trace(fn, args, signatureOf(trimArgs(args))).info },
  });
  return jitted as unknown as Jitted<F>;
}

const tooMany = (): never => {
  throw new ValueError('jit', 'a jitted function takes at most 4 arguments; pack more into an array');
};
let wrappers = 0;

/**
 * The function `jit` returns: it calls the current program. Each is compiled from its own source
 * (V8 shares call-site feedback between functions of one source, so one wrapper for all jitted
 * functions would make its call megamorphic: 20 ns per call of f(x, y)'s gradient, against 3 ns
 * inlined). A fifth parameter, not `arguments.length`, refuses extra arguments: reading
 * `arguments` also kept V8 from inlining (43 ns).
 */
function wrapper(box: { entry: Entry }): (a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4?: unknown) => unknown {
  try {
    return compileProgram(
      ['a0', 'a1', 'a2', 'a3', 'a4'],
      `// jitted function ${++wrappers}\nif (a4 !== undefined) tooMany();\nreturn box.entry(a0, a1, a2, a3);`,
      { box, tooMany },
    ) as never;
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    return (a0, a1, a2, a3, a4) => {
      if (a4 !== undefined) tooMany();
      return box.entry(a0, a1, a2, a3);
    };
  }
}

function trimArgs(args: unknown[]): unknown[] {
  let k = args.length;
  while (k > 0 && args[k - 1] === undefined) k--;
  return args.slice(0, k);
}

function hasTagged(x: unknown): boolean {
  if (isTagged(x)) return true;
  if (Array.isArray(x)) return x.some(hasTagged);
  if (isPlainObject(x)) return Object.values(x).some(hasTagged);
  return false;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (isTagged(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'object') return `a ${x.constructor?.name ?? 'object'}`;
  return typeof x;
}

interface Signature {
  readonly key: string;
  /** The compiled function's entry test: true when a0…a3 have this signature. */
  readonly guard: string;
}

/** The structure of the arguments: array lengths, tensor shapes, where numbers stand. */
function signatureOf(args: readonly unknown[]): Signature {
  const tests: string[] = [];
  const walk = (x: unknown, path: string, where: string): string => {
    if (typeof x === 'number') {
      tests.push(`typeof ${path} === 'number'`);
      return 'n';
    }
    if (x instanceof Tensor) {
      tests.push(`${path} instanceof Tensor`, `${path}.ndim === ${x.ndim}`, ...x.shape.map((d, i) => `${path}.shape[${i}] === ${d}`));
      return `T[${x.shape.join(',')}]`;
    }
    if (Array.isArray(x)) {
      tests.push(`Array.isArray(${path})`, `${path}.length === ${x.length}`);
      return `[${x.map((v, i) => walk(v, `${path}[${i}]`, `${where}[${i}]`)).join(',')}]`;
    }
    if (isPlainObject(x)) {
      tests.push(`typeof ${path} === 'object'`, `${path} !== null`);
      return `{${Object.entries(x)
        .map(([k, v]) => `${k}:${walk(v, `${path}[${JSON.stringify(k)}]`, `${where}.${k}`)}`)
        .join(',')}}`;
    }
    throw new DTypeError('jit', `arguments must be numbers, tensors, or arrays or plain objects of them; ${where} is ${describe(x)}`);
  };
  const parts = args.map((a, i) => walk(a, `a${i}`, `argument ${i}`));
  for (let i = args.length; i < 4; i++) tests.push(`a${i} === undefined`);
  return { key: `(${parts.join(', ')})`, guard: tests.join(' && ') };
}

/**
 * An input array as fn sees it while tracing: reading past its end is an error that names jit
 * (the program is specialised to this length).
 */
function guardedArray<T>(xs: T[], where: string): T[] {
  return new Proxy(xs, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key) && Number(key) >= target.length) {
        throw new ValueError(
          'jit',
          `fn read ${where}[${key}], but ${where} has length ${target.length} (a jitted program is specialised to its inputs' lengths and shapes)`,
        );
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/** Traces fn at the arguments' signature and emits its program. */
function trace(fn: (...args: never[]) => unknown, args: readonly unknown[], sig: Signature): { program: Program; info: Lowered } {
  const graph = new Graph(newTag());
  const loads: InputLoad[] = [];
  const build = (x: unknown, path: string, where: string): unknown => {
    if (typeof x === 'number' || x instanceof Tensor) {
      const t = graph.input(typeof x === 'number' ? null : x.shape);
      loads.push({ id: t.id, path });
      return t;
    }
    if (Array.isArray(x))
      return guardedArray(
        x.map((v, i) => build(v, `${path}[${i}]`, `${where}[${i}]`)),
        where,
      );
    const o = x as Record<string, unknown>;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, build(v, `${path}[${JSON.stringify(k)}]`, `${where}.${k}`)]));
  };
  const traced = args.map((a, i) => build(a, `a${i}`, i === 0 ? 'x' : `argument ${i}`));

  let result: unknown;
  try {
    result = (fn as unknown as (...a: unknown[]) => unknown)(...traced);
  } catch (e) {
    if (e instanceof TracingError || (e instanceof AdError && e.op === 'jit')) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof AdError) {
      const Kind = e.constructor as new (op: string, message: string) => AdError;
      throw new Kind('jit', `tracing fn at ${sig.key} failed: ${message}`);
    }
    // Reading past an input's end is refused by guardedArray with its own message, so a TypeError
    // here is fn's own: most often a method called on something that is not an @ad value.
    if (e instanceof TypeError)
      throw new ValueError(
        'jit',
        `tracing fn at ${sig.key} failed: ${message} (fn runs on tracers, which have the methods of the numbers and tensors they stand for; ` +
          'a value fn built from plain JavaScript numbers has no methods, wrap it with tensor() or keep it as an operand)',
      );
    throw e;
  }

  const outs = (y: unknown, where: string): OutTree => {
    if (y instanceof Tracer || y instanceof TensorTracer) {
      if (y.graph !== graph) throw new TracingError('jit', `fn returned a traced value of another jitted call at ${where}`);
      return new OutLeaf(y.id);
    }
    if (typeof y === 'number' || y instanceof Tensor) return new OutLeaf(graph.constant(y));
    if (Array.isArray(y)) return y.map((v, i) => outs(v, `${where}[${i}]`));
    if (isPlainObject(y)) return Object.fromEntries(Object.entries(y).map(([k, v]) => [k, outs(v, `${where}.${k}`)]));
    throw new DTypeError('jit', `fn must return numbers or tensors (or arrays or plain objects of them), got ${describe(y)} at ${where}`);
  };
  const tree = outs(result, 'the result');
  const program = emit(graph, loads, tree, sig.guard);
  const ids: number[] = [];
  const collect = (t: OutTree): void => {
    if (t instanceof OutLeaf) ids.push(t.id);
    else if (Array.isArray(t)) t.forEach(collect);
    else Object.values(t as Record<string, OutTree>).forEach(collect);
  };
  collect(tree);
  return {
    program,
    info: { source: program.source, wengert: wengert(graph, ids), statements: program.statements, traced: graph.nodes.length, signature: sig.key },
  };
}

/**
 * The adjoint program of a scalar function of an array of numbers, written by source
 * transformation of its Wengert list, with the adjoints named after their primals: `v2_bar` is
 * v̄₂ = ∂f/∂v₂. The sweep is reverse mode's own — each node from the last to the first sends
 * x̄ += op.vjp(x, y)(ȳ) to its operands, seeded with f̄ = 1, contributions added in the same
 * order — so the statements are those `jit(grad(f))` records through @ad/reverse, but for the
 * names and one thing: a subexpression f computes twice is one node of the list, so its adjoint
 * is summed before it is sent on (one product where the tape, which holds two nodes, makes two).
 * For teaching (`ad compile`): the program returns [x̄₀, x̄₁, …], and `gradient` runs it.
 */
export function adjointProgram(fn: (xs: never[]) => unknown, x: readonly number[]): AdjointProgram {
  if (typeof fn !== 'function') throw new DTypeError('jit', `expected a function to compile, got ${fn === null ? 'null' : typeof fn}`);
  const sig = signatureOf([x]);
  const graph = new Graph(newTag());
  const inputs = x.map(() => graph.input(null) as Tracer);
  const loads = inputs.map((t, i) => ({ id: t.id, path: `a0[${i}]` }));
  const y = (fn as unknown as (xs: unknown[]) => unknown)(guardedArray([...inputs], 'x'));
  if (!(y instanceof Tracer) && typeof y !== 'number') throw new DTypeError('jit', `the adjoint program needs f to return a scalar, got ${describe(y)}`);
  const nodes = graph.nodes;
  const primalCount = nodes.length;

  // Names of the primal nodes, as the Wengert list numbers them (the nodes f's value needs).
  const primalNames = new Map<number, string>();
  const live = new Set<number>();
  const stack = y instanceof Tracer ? [y.id] : [];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...nodes[id].inputs);
  }
  for (const t of inputs) live.add(t.id);
  for (const n of nodes) if (live.has(n.id) && n.kind !== 'const') primalNames.set(n.id, `v${primalNames.size}`);

  // The sweep: ȳ = 1 at f, then x̄ += op.vjp(x, y)(ȳ) from the last node to the first.
  const bars = new Map<number, unknown>();
  if (y instanceof Tracer) bars.set(y.id, 1);
  for (let id = primalCount - 1; id >= 0; id--) {
    const n = nodes[id];
    const yBar = bars.get(id);
    if (n.kind !== 'op' || yBar === undefined || !n.op!.differentiable) continue;
    const xs = n.inputs.map((i) => (nodes[i].kind === 'const' ? nodes[i].value : graph.tracer(i)));
    const needs = n.inputs.map((i) => nodes[i].kind !== 'const');
    const xBars = n.op!.vjp(anyOps, xs, graph.tracer(id), n.params)(yBar, needs);
    xBars.forEach((g, k) => {
      if (g === null || !needs[k]) return;
      const i = n.inputs[k];
      const before = bars.get(i);
      bars.set(i, before === undefined ? g : anyOps.add(before, g));
    });
  }

  // Adjoints are named after their primal; other nodes of the sweep are temporaries t0, t1, ….
  const names = new Map(primalNames);
  for (const [id, bar] of bars) {
    if (bar instanceof Tracer && bar.id >= primalCount && !names.has(bar.id) && primalNames.has(id)) names.set(bar.id, `${primalNames.get(id)}_bar`);
  }
  let temps = 0;
  const naming = (id: number): string => {
    let name = names.get(id);
    if (name === undefined) {
      name = `t${temps++}`;
      names.set(id, name);
    }
    return name;
  };
  const tree = inputs.map((t) => {
    const bar = bars.get(t.id) ?? 0;
    return new OutLeaf(bar instanceof Tracer ? bar.id : graph.constant(bar as number));
  });
  const program = emit(graph, loads, tree, sig.guard, naming);
  const other: Entry = () => {
    throw new ValueError('jit', `this adjoint program was written for ${sig.key}; write another with adjointProgram(f, x)`);
  };
  const compiled = compileProgram(program.params, program.body, { ...program.scope, miss: other }) as unknown as Entry;
  return {
    gradient: (xs) => compiled(xs, undefined, undefined, undefined) as number[],
    source: program.source,
    wengert: wengert(graph, y instanceof Tracer ? [y.id] : []),
    statements: program.statements,
    traced: nodes.length,
    signature: sig.key,
  };
}

/**
 * Compiles an emitted program with `new Function`, `Math`, `Special` and the scope bound as closure
 * variables. Not core's `compileFunction`: that one compiles a code template (core's
 * kernels/template.ts) whose generated rendering the build ships, while a jitted program exists
 * only at run time and is plain JavaScript. Throws EvalError where a page forbids eval.
 */
function compileProgram(params: readonly string[], body: string, scope: Record<string, unknown>): (...args: never[]) => unknown {
  const names = ['Math', 'Special', ...Object.keys(scope)];
  const factory = new Function(...names, `return function (${params.join(', ')}) {\n${body}\n};`) as (...values: unknown[]) => (...args: never[]) => unknown;
  return factory(Math, Special, ...Object.values(scope));
}
