/**
 * Every export of every package (core, forward, reverse, nn, nn/node, jit, vmap, sparse), called with bad values, is refused by name or returns: no raw
 * TypeError or RangeError escapes, whatever a plain JavaScript caller passes. For each exported
 * function and class: no arguments, and each of undefined, null, {}, 'abc', NaN, −1, 1.5, a plain
 * array and 10¹² as the first argument (fresh values each call); a function it returns (a
 * transform) is called the same way. A refusal must be an AdError whose message starts with
 * the name of what refused. The catalogues beside this (bad-input.test.ts in each package)
 * check the exact outcome of hundreds of specific bad calls; this sweep guarantees the floor for
 * every export, including those added later.
 */
import * as core from '@ad/core';
import * as forward from '@ad/forward';
import * as reverse from '@ad/reverse';
import * as nn from '@ad/nn';
import * as nnNode from '@ad/nn/node';
import * as jit from '@ad/jit';
import * as vmap from '@ad/vmap';
import * as sparse from '@ad/sparse';

const { AdError } = core;

/**
 * Engine plumbing exported for the other @ad packages (the tape's entry points): not for users,
 * so not validated at run time. Each name must still be an export, so the list cannot go stale
 * silently. Core's machinery is not here: it is `@ad/core/engine`, which users do not import.
 */
const ENGINE: Record<string, readonly string[]> = {
  '@ad/reverse': ['leaf', 'leafEntry', 'propagate', 'recordMany'],
};

const packages: Record<string, Record<string, unknown>> = {
  '@ad/core': core,
  '@ad/forward': forward,
  '@ad/reverse': reverse,
  '@ad/nn': nn,
  '@ad/nn/node': nnNode,
  '@ad/jit': jit,
  '@ad/vmap': vmap,
  '@ad/sparse': sparse,
};

const badArguments = (): unknown[][] => [[], [undefined], [null], [{}], ['abc'], [NaN], [-1], [1.5], [[1, 2]], [1e12]];

function isClass(f: unknown): f is new (...args: unknown[]) => unknown {
  return typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));
}

/** What went wrong with one call, or null when it returned or was refused properly. */
function problem(call: () => unknown): string | null {
  try {
    call();
    return null;
  } catch (e) {
    if (!(e instanceof AdError)) return `${(e as Error)?.constructor?.name ?? typeof e}: ${String((e as Error)?.message ?? e)}`;
    if (!/^[\w.]+: /.test(e.message)) return `an AdError that names nothing: ${e.message}`;
    return null;
  }
}

for (const [pkg, mod] of Object.entries(packages)) {
  describe(pkg, () => {
    test('the engine list names exports', () => {
      for (const name of ENGINE[pkg] ?? []) expect(Object.keys(mod)).toContain(name);
    });
    const names = Object.keys(mod).filter((n) => typeof mod[n] === 'function' && !(ENGINE[pkg] ?? []).includes(n));
    test.each(names)('%s: bad arguments are refused by name, never a raw error', (name) => {
      const f = mod[name] as (...args: unknown[]) => unknown;
      const found: string[] = [];
      badArguments().forEach((args, i) => {
        const label = JSON.stringify(args, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
        let result: unknown;
        const p = problem(() => (result = isClass(f) ? new f(...args) : f(...args)));
        if (p !== null) found.push(`${name}(${label.slice(1, -1)}): ${p}`);
        if (p === null && typeof result === 'function' && !isClass(f) && !isClass(result)) {
          const again = badArguments()[i];
          const q = problem(() => (result as (...a: unknown[]) => unknown)(...again));
          if (q !== null) found.push(`${name}(…)(${label.slice(1, -1)}): ${q}`);
        }
      });
      expect(found).toEqual([]);
    });
  });
}
