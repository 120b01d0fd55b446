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
import { JitCheckError, compareOutputs, type Tolerance } from './check.js';
import { isPlainObject, keysAre, mapTree, walkTree, whereOf, type Place } from './tree.js';
import { tracingInto } from './scan-trace.js';

/** What `jit` keeps about its cache. */
export interface JitStats {
  /** Programs traced and compiled (one per signature seen, again after an eviction). */
  readonly traces: number;
  /** Calls whose signature differed from the previous call's (each either retraced or switched programs). */
  readonly misses: number;
  /** The signatures of the programs in the cache, in the order they were traced: `([n,n])`, `(T[4,16])`. */
  readonly signatures: readonly string[];
  /** Programs dropped from the cache (least recently used first) to keep it at `cacheSize`. */
  readonly evictions: number;
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

/** Options of `jit`. */
export interface JitOptions {
  /**
   * Checks each compiled program on its first call: fn also runs eagerly on the same arguments,
   * and the first output that differs (beyond `rtol` relative, `atol` absolute; NaN and ±∞
   * exactly) is a `JitCheckError` naming it. `true` is `{ rtol: 1e-12, atol: 0 }`. Default false.
   */
  readonly check?: boolean | Tolerance;
  /** Compiled programs kept, one per signature, least recently used evicted first. Default 64. */
  readonly cacheSize?: number;
}

const DEFAULT_CACHE_SIZE = 64;

let warnedNoEval = false;

/** The options, checked: a typo or a wrong type is refused by name rather than ignored. */
function readOptions(options: unknown): { check: Required<Tolerance> | null; cacheSize: number } {
  if (options === undefined) return { check: null, cacheSize: DEFAULT_CACHE_SIZE };
  if (!isPlainObject(options)) throw new DTypeError('jit', `options must be a plain object ({ check?, cacheSize? }), got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== 'check' && k !== 'cacheSize') throw new ValueError('jit', `unknown option ${JSON.stringify(k)}; the options are check and cacheSize`);
  }
  const { check, cacheSize } = options as JitOptions;
  if (cacheSize !== undefined && (typeof cacheSize !== 'number' || !Number.isInteger(cacheSize) || cacheSize < 1)) {
    throw new ValueError('jit', `cacheSize must be an integer ≥ 1 (programs kept), got ${typeof cacheSize === 'number' ? cacheSize : describe(cacheSize)}`);
  }
  let tolerance: Required<Tolerance> | null = null;
  if (check === true) tolerance = { rtol: 1e-12, atol: 0 };
  else if (isPlainObject(check)) {
    for (const k of Object.keys(check))
      if (k !== 'rtol' && k !== 'atol') throw new ValueError('jit', `unknown check option ${JSON.stringify(k)}; the options are rtol and atol`);
    const { rtol = 1e-12, atol = 0 } = check as Tolerance;
    for (const [name, v] of [
      ['rtol', rtol],
      ['atol', atol],
    ] as const) {
      if (typeof v !== 'number' || !(v >= 0) || v === Infinity)
        throw new ValueError('jit', `check.${name} must be a finite number ≥ 0, got ${typeof v === 'number' ? v : describe(v)}`);
    }
    tolerance = { rtol, atol };
  } else if (check !== undefined && check !== false) {
    throw new DTypeError('jit', `check must be true, false or { rtol?, atol? }, got ${describe(check)}`);
  }
  return { check: tolerance, cacheSize: cacheSize ?? DEFAULT_CACHE_SIZE };
}

/**
 * Compiles fn into straight-line JavaScript per input signature. Arguments are numbers,
 * tensors, and arrays or plain objects of them (at most 4 arguments); so are results.
 * Transforms inside fn are traced through: `jit(grad(f))` emits the primal and the adjoint
 * program together. Where a Content-Security-Policy forbids `new Function`, the jitted
 * function runs fn eagerly (and says so once).
 * @param options - `check` compares each program's first call with eager mode; `cacheSize`
 *   bounds the programs kept (64 by default)
 * @typeParam F - the type of fn; the jitted function has the same
 */
export function jit<F extends (...args: never[]) => unknown>(fn: F, options?: JitOptions): Jitted<F> {
  if (typeof fn !== 'function') throw new DTypeError('jit', `expected a function to compile, got ${describe(fn)}`);
  const { check, cacheSize } = readOptions(options);
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  const cache = new Map<string, { entry: Entry; source: string }>();
  let traces = 0;
  let misses = 0;
  let evictions = 0;
  let lastSignature: string | undefined;
  let lastRetrace: string | null = null;
  let current: { source: string } | null = null;
  let eager = false;
  const call = fn as unknown as (...args: unknown[]) => unknown;

  const miss: Entry = (a0, a1, a2, a3) => {
    const args = trimArgs([a0, a1, a2, a3]);
    if (eager || args.some(hasTagged)) return call(...args);
    misses++;
    const sig = signatureOf(args);
    let hit = cache.get(sig.key);
    let fresh = false;
    if (hit === undefined) {
      const lowered = trace(fn, args, sig);
      let compiled: Entry;
      try {
        compiled = compileTree(lowered.program, { miss });
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
      hit = { entry: compiled, source: lowered.program.source };
      traces++;
      lastRetrace = lastSignature === undefined ? `first call ${sig.key}` : `${lastSignature} → ${sig.key}`;
      lastSignature = sig.key;
      fresh = true;
      while (cache.size >= cacheSize) {
        // The evicted program's closure (its constants, parameters and code) is unreachable once
        // the map lets go of it: box.entry only ever holds the program being switched to.
        cache.delete(cache.keys().next().value as string);
        evictions++;
      }
    } else cache.delete(sig.key);
    cache.set(sig.key, hit);
    box.entry = hit.entry;
    current = hit;
    const out = hit.entry(a0, a1, a2, a3);
    if (fresh && check !== null) {
      try {
        checkAgainstEager(call, args, out, sig.key, check);
      } catch (e) {
        // A program that failed its check is not kept: the next call traces and checks again.
        cache.delete(sig.key);
        box.entry = miss;
        current = null;
        throw e;
      }
    }
    return out;
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
        return current.source;
      },
    },
    stats: { get: (): JitStats => ({ traces, misses, signatures: [...cache.keys()], lastRetrace, evictions }) },
    lower: { value: (...args: unknown[]) => trace(fn, args, signatureOf(trimArgs(args))).info },
  });
  return jitted as unknown as Jitted<F>;
}

/** check mode: fn run eagerly on the same arguments must give the compiled program's outputs. */
function checkAgainstEager(call: (...args: unknown[]) => unknown, args: readonly unknown[], out: unknown, key: string, tolerance: Required<Tolerance>): void {
  let want: unknown;
  try {
    want = call(...args);
  } catch (e) {
    throw new JitCheckError(
      'jit',
      `check: fn failed when run eagerly on the arguments of ${key} (${e instanceof Error ? e.message : String(e)}), so its compiled program cannot be compared; ` +
        'check a function that also runs on plain values (for example jit(grad(f)) rather than jit(f) of a function of Vars)',
    );
  }
  const difference = compareOutputs(out, want, tolerance);
  if (difference !== null) throw new JitCheckError('jit', `check: the program compiled for ${key} differs from eager mode at ${difference}`);
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

function hasTagged(root: unknown): boolean {
  const stack = [root];
  // Each container once: a circular argument ends here and is refused by signatureOf.
  const seen = new Set<object>();
  while (stack.length > 0) {
    const x = stack.pop();
    if (isTagged(x)) return true;
    if (!Array.isArray(x) && !isPlainObject(x)) continue;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const v of Array.isArray(x) ? x : Object.values(x)) stack.push(v);
  }
  return false;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (isTagged(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'object') return `a ${(x as object).constructor?.name ?? 'object'}`;
  return typeof x;
}

/** An input leaf of a signature: how the compiled program reads it, and its shape (null: a number). */
interface InputLeaf {
  readonly access: string;
  readonly shape: readonly number[] | null;
}

interface Signature {
  readonly key: string;
  /**
   * The compiled function's entry test, as statements: each `if` returns `miss(…)` when a0…a3
   * do not have this signature; containers are bound to locals g0, g1, … on the way down.
   */
  readonly guard: readonly string[];
  /** Names the guard reads: the key lists of object arguments (ik0, ik1, …) and `keysAre`. */
  readonly scope: Record<string, unknown>;
  /** The numbers and tensors of the arguments, depth first. */
  readonly leaves: readonly InputLeaf[];
}

/** Where each argument sits, for messages: `x` (the first, as fn usually names it), `argument 1`, …. */
function argumentPlaces(n: number, first: string): Place[] {
  return Array.from({ length: n }, (_, i) => ({ parent: null, label: i === 0 ? first : `argument ${i}` }));
}

/**
 * The structure of the arguments (array lengths, object keys in order, tensor shapes, where
 * numbers stand) and the guard that tests it. The guard's source holds only names it made and
 * numbers: object keys are read through the key lists in scope (`g0[ik0[1]]`), never written
 * into the program, so no key can change what the program does.
 */
function signatureOf(args: readonly unknown[]): Signature {
  const key: string[] = ['('];
  const lines: string[] = [];
  const scope: Record<string, unknown> = { keysAre };
  const leaves: InputLeaf[] = [];
  let conds: string[] = [];
  // A few dozen tests per `if`: one long && chain per argument would nest as deep as it is long.
  const flush = (): void => {
    if (conds.length > 0) lines.push(`if (!(${conds.join(' && ')})) return miss(a0, a1, a2, a3);`);
    conds = [];
  };
  const test = (...cs: string[]): void => {
    conds.push(...cs);
    if (conds.length >= 32) flush();
  };
  const open: { access: string; keys: readonly string[] | null; keyList: string }[] = [];
  let locals = 0;
  const place = (index: number): string => {
    if (open.length === 0) {
      if (index > 0) key.push(', ');
      return `a${index}`;
    }
    const parent = open[open.length - 1];
    if (index > 0) key.push(',');
    if (parent.keys === null) return `${parent.access}[${index}]`;
    key.push(`${JSON.stringify(parent.keys[index])}:`);
    return `${parent.access}[${parent.keyList}[${index}]]`;
  };
  walkTree(args, argumentPlaces(args.length, 'argument 0'), {
    leaf: (x, at, index) => {
      if (typeof x === 'number') {
        const access = place(index);
        test(`typeof ${access} === 'number'`);
        key.push('n');
        leaves.push({ access, shape: null });
      } else if (x instanceof Tensor) {
        const access = place(index);
        test(`${access} instanceof Tensor`, `${access}.ndim === ${x.ndim}`, ...x.shape.map((d, i) => `${access}.shape[${i}] === ${d}`));
        key.push(`T[${x.shape.join(',')}]`);
        leaves.push({ access, shape: x.shape });
      } else {
        throw new DTypeError('jit', `arguments must be numbers, tensors, or arrays or plain objects of them; ${whereOf(at)} is ${describe(x)}`);
      }
    },
    enter: (x, keys, _at, index) => {
      let access = place(index);
      if (open.length > 0) {
        // The parent's tests come first: only then is reading this child safe.
        flush();
        const g = `g${locals++}`;
        lines.push(`const ${g} = ${access};`);
        access = g;
      }
      let keyList = '';
      if (keys === null) {
        test(`Array.isArray(${access})`, `${access}.length === ${(x as readonly unknown[]).length}`);
        key.push('[');
      } else {
        keyList = `ik${Object.keys(scope).length - 1}`;
        scope[keyList] = keys;
        test(`keysAre(${access}, ${keyList})`);
        key.push('{');
      }
      open.push({ access, keys, keyList });
    },
    exit: () => {
      key.push(open.pop()!.keys === null ? ']' : '}');
    },
  });
  for (let i = args.length; i < 4; i++) test(`a${i} === undefined`);
  flush();
  key.push(')');
  return { key: key.join(''), guard: lines, scope, leaves };
}

/**
 * An input array as fn sees it while tracing: reading past its end is an error that names jit
 * (the program is specialised to this length).
 */
function guardedArray<T>(xs: T[], at: Place): T[] {
  return new Proxy(xs, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key) && Number(key) >= target.length) {
        const where = whereOf(at);
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
  let k = 0;
  // The same walk as signatureOf's, so the k-th leaf here is the signature's k-th.
  const traced = mapTree(
    args,
    argumentPlaces(args.length, 'x'),
    () => {
      const leaf = sig.leaves[k++];
      const t = graph.input(leaf.shape);
      loads.push({ id: t.id, access: leaf.access });
      return t;
    },
    guardedArray,
  );

  let result: unknown;
  try {
    result = tracingInto(graph, () => (fn as unknown as (...a: unknown[]) => unknown)(...traced));
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

  const ids: number[] = [];
  const [tree] = mapTree([result], [{ parent: null, label: 'the result' }], (y, at) => {
    let id: number;
    if (y instanceof Tracer || y instanceof TensorTracer) {
      if (y.graph !== graph) throw new TracingError('jit', `fn returned a traced value of another jitted call at ${whereOf(at)}`);
      id = y.id;
    } else if (typeof y === 'number' || y instanceof Tensor) id = graph.constant(y);
    else throw new DTypeError('jit', `fn must return numbers or tensors (or arrays or plain objects of them), got ${describe(y)} at ${whereOf(at)}`);
    ids.push(id);
    return new OutLeaf(id);
  }) as OutTree[];
  const program = emit(graph, loads, tree, sig);
  let list: string | undefined;
  const info: Lowered = {
    source: program.source,
    // Written when read: for a 3×10⁵-op program it is as long to write as the program itself.
    get wengert() {
      list ??= wengert(graph, ids);
      return list;
    },
    statements: program.statements,
    traced: graph.nodes.length,
    signature: sig.key,
  };
  return { program, info };
}

/**
 * The adjoint program of a scalar function of an array of numbers, written by source
 * transformation of its Wengert list, with the adjoints named after their primals: `v2_bar` is
 * v̄₂ = ∂f/∂v₂. The sweep is reverse mode's own — each node from the last to the first sends
 * x̄ += op.vjp(x, y)(ȳ) to its operands, seeded with f̄ = 1, contributions added in the same
 * order — so the statements are those `jit(grad(f))` records through @ad/reverse, but for the
 * names and two things: a subexpression f computes twice is one node of the list, so its adjoint
 * is summed before it is sent on (one product where the tape, which holds two nodes, makes two);
 * and negations are carried as signs, so a sum with a negated term is one subtraction.
 * For teaching (`ad compile`): the program returns [x̄₀, x̄₁, …], and `gradient` runs it.
 */
export function adjointProgram(fn: (xs: never[]) => unknown, x: readonly number[]): AdjointProgram {
  if (typeof fn !== 'function') throw new DTypeError('adjointProgram', `expected a function to compile, got ${describe(fn)}`);
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'number')) throw new DTypeError('adjointProgram', `x must be an array of numbers, got ${describe(x)}`);
  const sig = signatureOf([x]);
  const graph = new Graph(newTag());
  const inputs = x.map(() => graph.input(null) as Tracer);
  const loads = inputs.map((t, i) => ({ id: t.id, access: sig.leaves[i].access }));
  const y = (fn as unknown as (xs: unknown[]) => unknown)(guardedArray([...inputs], { parent: null, label: 'x' }));
  if (!(y instanceof Tracer) && typeof y !== 'number') throw new DTypeError('jit', `the adjoint program needs f to return a scalar, got ${describe(y)}`);
  const nodes = graph.nodes;
  const primalCount = nodes.length;
  if (nodes.some((n) => n.kind === 'scan')) {
    throw new ValueError('adjointProgram', 'f calls scan, whose adjoint is a loop, not a straight-line program; compile jit(grad(f)) instead');
  }

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

  // The sweep: ȳ = 1 at f, then x̄ += op.vjp(x, y)(ȳ) from the last node to the first. A node's
  // contributions are kept apart, each with a sign, until the node is reached (see `total`).
  const contributions = new Map<number, { term: unknown; negative: boolean }[]>();
  const bars = new Map<number, unknown>();
  const send = (id: number, term: unknown, negative: boolean): void => {
    // A contribution −t that a rule wrote as a negation is kept as t with its sign flipped.
    const node = term instanceof Tracer ? nodes[term.id] : undefined;
    const entry =
      node !== undefined && node.kind === 'op' && node.op!.name === 'neg' ? { term: graph.tracer(node.inputs[0]), negative: !negative } : { term, negative };
    const terms = contributions.get(id);
    if (terms === undefined) contributions.set(id, [entry]);
    else terms.push(entry);
  };
  // x̄ = Σ positive − Σ negative, so no negation of a negation is ever written: f's common
  // subexpression is one node here and two on the tape, where each copy's −(−t) folds to t.
  const total = (id: number): unknown => {
    const terms = contributions.get(id);
    if (terms === undefined) return undefined;
    const sum = (negative: boolean) => terms.filter((t) => t.negative === negative).map((t) => t.term);
    const [plus, minus] = [sum(false), sum(true)];
    const add = (ts: unknown[]) => ts.reduce((a, b) => anyOps.add(a, b));
    const bar = minus.length === 0 ? add(plus) : plus.length === 0 ? anyOps.neg(add(minus)) : anyOps.sub(add(plus), add(minus));
    bars.set(id, bar);
    return bar;
  };
  if (y instanceof Tracer) send(y.id, 1, false);
  for (let id = primalCount - 1; id >= 0; id--) {
    const n = nodes[id];
    const terms = contributions.get(id);
    if (n.kind !== 'op' || terms === undefined || !n.op!.differentiable) continue;
    if (n.op!.name === 'neg' && nodes[n.inputs[0]].kind !== 'const') {
      // x̄ = −ȳ for y = −x: each contribution passes on with its sign flipped, no statement.
      for (const t of terms) send(n.inputs[0], t.term, !t.negative);
      continue;
    }
    const yBar = total(id);
    const xs = n.inputs.map((i) => (nodes[i].kind === 'const' ? nodes[i].value : graph.tracer(i)));
    const needs = n.inputs.map((i) => nodes[i].kind !== 'const');
    const xBars = n.op!.vjp(anyOps, xs, graph.tracer(id), n.params)(yBar, needs);
    xBars.forEach((g, k) => {
      if (g !== null && needs[k]) send(n.inputs[k], g, false);
    });
  }
  for (const t of inputs) total(t.id);

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
  const program = emit(graph, loads, tree, sig, naming);
  const other: Entry = () => {
    throw new ValueError('jit', `this adjoint program was written for ${sig.key}; write another with adjointProgram(f, x)`);
  };
  const compiled = compileTree(program, { miss: other });
  return {
    gradient: (xs) => compiled(xs, undefined, undefined, undefined) as number[],
    source: program.source,
    wengert: wengert(graph, y instanceof Tracer ? [y.id] : []),
    statements: program.statements,
    traced: nodes.length,
    signature: sig.key,
  };
}

/** Compiles a program and, first, the bodies of its scans and their loop nests, which its scope names. */
function compileTree(program: Program, scope: Record<string, unknown>): Entry {
  const own: Record<string, unknown> = { ...program.scope, ...scope };
  for (const sub of program.subprograms) own[sub.name] = compileTree(sub.program, {});
  for (const { name, text } of program.steps) own[name] = stepsFunction(text);
  return compileProgram(program.params, program.body, own, program.kernels) as unknown as Entry;
}

/**
 * Fused scans' loop nests by their text, compiled once per process: every program that scans
 * the same body (each input's program, each layer) calls one function, optimised once. Each
 * reads only its parameters, `Math` and `Special`, so sharing it shares no state.
 */
const stepsFunctions = new Map<string, unknown>();
/** Texts kept (the least recently used dropped first): bodies differ by shape, so a bound. */
const STEPS_KEPT = 256;
function stepsFunction(text: string): unknown {
  let f = stepsFunctions.get(text);
  if (f === undefined) {
    f = (new Function('Math', 'Special', `return function steps${text};`) as (m: Math, s: typeof Special) => unknown)(Math, Special);
    if (stepsFunctions.size >= STEPS_KEPT) stepsFunctions.delete(stepsFunctions.keys().next().value as string);
  } else stepsFunctions.delete(text);
  stepsFunctions.set(text, f);
  return f;
}

/**
 * Compiles an emitted program with `new Function`, `Math`, `Special` and the scope bound as closure
 * variables. Not core's `compileFunction`: that one compiles a code template (core's
 * kernels/template.ts) whose generated rendering the build ships, while a jitted program exists
 * only at run time and is plain JavaScript. Throws EvalError where a page forbids eval.
 */
function compileProgram(params: readonly string[], body: string, scope: Record<string, unknown>, kernels = ''): (...args: never[]) => unknown {
  // The scope arrives as one object and is unpacked into closure variables, not passed as one
  // argument per name: a large program binds ~10⁵ names (a parameter object per non-element-wise
  // op), and that many arguments overflow the stack on the factory's call.
  const unpack = Object.keys(scope).map((name) => `${name} = $scope.${name}`);
  const prelude = unpack.length === 0 ? '' : `const ${unpack.join(',\n  ')};\n`;
  const factory = new Function('Math', 'Special', '$scope', `${prelude}${kernels}\nreturn function (${params.join(', ')}) {\n${body}\n};`) as (
    ...values: unknown[]
  ) => (...args: never[]) => unknown;
  return factory(Math, Special, scope);
}
