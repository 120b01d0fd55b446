/**
 * Method hosts: the classes that have the table's functions as methods (Tensor, DualTensor,
 * TensorVar, jit's tracers as tensor kinds; Dual and Var as scalar kinds). Each method is
 * `algebra.name(this, …)` of the host's algebra, or a mode's compiled fast path; registerOp
 * installs a new entry on every host.
 */
import type { Algebra } from '../ops/algebra.js';
import type { Op } from '../ops/define.js';
import type { Entry } from '../ops/signature.js';
import { table } from '../ops/table.js';
import { hasFastPath, isMethod, isScalarMethod } from './entries.js';

/**
 * How a mode makes a scalar method of its own for an element-wise op (Dual's and Var's fast
 * paths, see scalarMethod); undefined to use the algebra's function.
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
  const compiled = host.compile !== undefined && hasFastPath(entry) ? host.compile(name, entry) : undefined;
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
