/**
 * The plain tensor mode: an interpreter that runs each op's primal, with no dispatch on kinds
 * (`tensorOps`, for code that knows it has tensors). Tensor's methods go through `anyOps`, so
 * `w.matmul(x)` works when x is a dual or a graph node.
 */
import { Tensor } from './tensor.js';
import type { Algebra, Interpreter, MethodName, ScalarMethodName, TensorMethods } from './ops/algebra.js';
import { hasPlainScalarMethod, type Op } from './ops/define.js';
import { isOp, table, type Entry } from './ops/table.js';
import { makeAlgebra } from './ops/facade.js';
import { scalar } from './create.js';
import { anyOps } from './dispatch.js';

/** Plain evaluation: runs each op's primal on tensors. */
export const tensorInterpreter: Interpreter<Tensor> = {
  apply: (op, xs, params) => op.primal(xs, params),
  constant: scalar,
  shape: (x) => x.shape,
};

/** Every op as a function on tensors. */
export const tensorOps: Algebra<Tensor> = makeAlgebra(tensorInterpreter);

/** True for an entry that is a method of tensor kinds (every function but `where`-like ones). */
export function isMethod(entry: Entry): boolean {
  return typeof entry.method === 'function' && entry.receiver !== false;
}

/** True for an entry that is a method of scalar kinds: element-wise ops and scalar composites. */
export function isScalarMethod(entry: Entry): boolean {
  return isMethod(entry) && ((entry as { elementwise?: unknown }).elementwise !== undefined || entry.scalar === true);
}

/**
 * How many operands a scalar function takes: an element-wise op's inputs, or a composite's
 * required parameters (those before its first optional one, less the context).
 */
export function operandCount(entry: Entry): number {
  const ew = (entry as { elementwise?: { inputs: readonly string[] } }).elementwise;
  return ew !== undefined ? ew.inputs.length : (entry.method as (...a: unknown[]) => unknown).length - 1;
}

/** The names installed as methods on tensor kinds, read off the table. */
export function methodNames(): MethodName[] {
  return Object.values(table)
    .filter(isMethod)
    .map((e) => e.name as MethodName);
}

/** The names installed as methods on scalar kinds (Dual, Var), read off the table. */
export function scalarMethodNames(): ScalarMethodName[] {
  return Object.values(table)
    .filter(isScalarMethod)
    .map((e) => e.name as ScalarMethodName);
}

/**
 * How a mode compiles a scalar method of its own for an element-wise op (Dual's and Var's fast
 * paths); undefined to use the algebra's function.
 */
export type ScalarMethodCompiler = (name: string, op: Op<undefined>) => ((...args: never[]) => unknown) | undefined;

interface Host {
  readonly proto: object;
  readonly algebra: () => Algebra<unknown>;
  readonly scalar: boolean;
  readonly compile?: ScalarMethodCompiler;
}

/** Every class that has the table's functions as methods: registerOp installs on each. */
const hosts: Host[] = [];

/**
 * Installs the algebra's functions as methods on a tensor class, so `x.exp()` is
 * `algebra.exp(x)`. Every tensor kind (Tensor, DualTensor, the reverse-mode node, jit's tracer)
 * uses this, which is how they share one method interface.
 */
export function installTensorMethods<V>(proto: object, algebra: () => Algebra<V>): void {
  addHost({ proto, algebra: algebra as () => Algebra<unknown>, scalar: false });
}

/**
 * Installs the element-wise functions as methods on a scalar class (Dual, Var), each compiled
 * by the mode where it has a fast path of its own.
 */
export function installScalarMethods<V>(proto: object, algebra: () => Algebra<V>, compile?: ScalarMethodCompiler): void {
  addHost({ proto, algebra: algebra as () => Algebra<unknown>, scalar: true, compile });
}

function addHost(host: Host): void {
  hosts.push(host);
  for (const entry of Object.values(table)) installOn(host, entry);
}

/** True when a class with the table's methods has a member of this name already. */
export function hostsHave(name: string): boolean {
  return hosts.some((h) => name in h.proto);
}

/** Installs a newly registered entry on every class that has methods (registerOp). */
export function addToHosts(entry: Entry): void {
  for (const host of hosts) installOn(host, entry);
}

function installOn(host: Host, entry: Entry): void {
  if (!(host.scalar ? isScalarMethod(entry) : isMethod(entry))) return;
  const name = entry.name;
  const compiled = host.compile !== undefined && isOp(entry) && hasPlainScalarMethod(entry) ? host.compile(name, entry as Op<undefined>) : undefined;
  const algebra = host.algebra;
  Object.defineProperty(host.proto, name, {
    value:
      compiled ??
      function (this: unknown, ...args: unknown[]) {
        return (algebra() as unknown as Record<string, (...a: unknown[]) => unknown>)[name](this, ...args);
      },
    writable: true,
    configurable: true,
  });
}

declare module './tensor.js' {
  interface Tensor extends TensorMethods<Tensor> {}
}

installTensorMethods(Tensor.prototype, () => anyOps as Algebra<Tensor>);
