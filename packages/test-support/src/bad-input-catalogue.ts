/**
 * The bad-input catalogue: each package's bad-input.test.ts lists calls of its public functions
 * with bad arguments — wrong shapes, NaN, ±∞, empty arrays, ragged nested arrays, non-numbers,
 * wrong kinds of argument from plain JavaScript — runs each, and holds it to the rule of issue 8:
 *
 *   a typed error (an AdError: never a raw TypeError / RangeError of the language) whose message starts
 *   with the name of the function that refused and says what was wrong; or a documented result
 *   (finite, or NaN / ±∞ only where the input held them, as IEEE arithmetic propagates them).
 *   Never a hang, a crash, an untyped error from deep inside, or a NaN made from finite input.
 *
 * The outcomes are rendered as a Markdown table into docs/errors.md, one section per package,
 * and the test compares the file with what it saw: the catalogue cannot drift from the code.
 * Regenerate after a deliberate change with
 *
 *   AD_WRITE_ERRORS_DOC=1 npx jest bad-input --runInBand
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdError, Tensor } from '@ad/core';

export type Expect =
  /** A typed error whose message starts with `name:` (default: the case's function). */
  | { error: string; name?: string }
  /** A documented result: every number finite. */
  | { finite: true }
  /** A documented result that carries the input's NaN or ±∞ through (IEEE). */
  | { propagates: true }
  /** A documented non-finite result outside the function's mathematical domain (IEEE, as PyTorch). */
  | { outsideDomain: true };

export interface BadCase {
  /** The public function, as the user calls it. */
  fn: string;
  /** What is wrong with the call. */
  input: string;
  call: () => unknown;
  expect: Expect;
}

export interface Outcome {
  ok: boolean;
  problem?: string;
  /** The outcome as the catalogue shows it. */
  text: string;
}

/** Numbers held by a result: a number, a tensor, any mode's value, arrays and records of them. */
function numbersOf(v: unknown, out: number[] = [], depth = 0): number[] {
  if (depth > 6) return out;
  if (typeof v === 'number') out.push(v);
  else if (v instanceof Tensor) out.push(...v.toFloat64Array());
  else if (Array.isArray(v) || ArrayBuffer.isView(v)) for (const x of Array.from(v as ArrayLike<unknown>)) numbersOf(x, out, depth + 1);
  else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if ('value' in o) numbersOf(o.value, out, depth + 1);
    else for (const x of Object.values(o)) numbersOf(x, out, depth + 1);
  }
  return out;
}

function show(v: unknown): string {
  if (v instanceof Tensor) {
    const s = JSON.stringify(v.toArray(), (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
    return `tensor ${s.length > 60 ? `of shape [${v.shape.join(',')}]` : s.replace(/"/g, '')}`;
  }
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && v !== null && 'value' in v) return show((v as { value: unknown }).value);
  if (Array.isArray(v)) {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x instanceof Tensor ? x.toArray() : x));
    return s.length > 60 ? `an array of ${v.length}` : s.replace(/"/g, '');
  }
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  return (v as object)?.constructor?.name ?? typeof v;
}

const tmp = tmpdir();

/** Machine-specific bits of messages (temporary paths) made stable for the catalogue. */
function stable(message: string): string {
  return message
    .split(tmp)
    .join('<tmp>')
    .replace(/ad-bad-[A-Za-z0-9]+/g, 'ad-bad-…')
    .replace(/\|/g, '\\|');
}

export function runCase(c: BadCase): Outcome {
  let value: unknown;
  try {
    value = c.call();
  } catch (e) {
    const err = e as Error;
    const name = err?.constructor?.name ?? typeof e;
    const text = `${name}: ${stable(String(err?.message))}`;
    if (!('error' in c.expect)) return { ok: false, problem: `threw ${text}, expected a result`, text };
    const typed = e instanceof AdError;
    if (!typed) return { ok: false, problem: `threw an untyped ${name}`, text };
    if (name !== c.expect.error) return { ok: false, problem: `threw ${name}, expected ${c.expect.error}`, text };
    const who = c.expect.name ?? c.fn;
    if (!err.message.startsWith(`${who}:`)) return { ok: false, problem: `the message does not start with "${who}:"`, text };
    return { ok: true, text };
  }
  const nums = numbersOf(value);
  const text = `returns ${show(value)}`;
  if ('error' in c.expect) return { ok: false, problem: `returned ${show(value)}, expected ${c.expect.error}`, text };
  if ('finite' in c.expect && !nums.every(Number.isFinite)) return { ok: false, problem: `returned a non-finite value: ${show(value)}`, text };
  if (('propagates' in c.expect || 'outsideDomain' in c.expect) && nums.every(Number.isFinite)) {
    return { ok: false, problem: `expected a non-finite result, got ${show(value)}`, text };
  }
  if ('propagates' in c.expect) return { ok: true, text: `${text} (IEEE: the input's NaN/±∞ carried through)` };
  if ('outsideDomain' in c.expect) return { ok: true, text: `${text} (outside the domain: IEEE, as PyTorch; \`detectAnomaly\` names the op)` };
  return { ok: true, text };
}

/** The catalogue section of one package, as Markdown. */
export function renderSection(pkg: string, cases: readonly BadCase[], outcomes: readonly Outcome[]): string {
  const lines = [`<!-- bad-input:${pkg}:start -->`, `## ${pkg}`, '', '| call | bad input | outcome |', '| --- | --- | --- |'];
  cases.forEach((c, i) => lines.push(`| \`${c.fn}\` | ${c.input.replace(/\|/g, '\\|')} | ${outcomes[i].text} |`));
  lines.push(`<!-- bad-input:${pkg}:end -->`);
  return lines.join('\n');
}

export const DOC = join(__dirname, '..', '..', '..', 'docs', 'errors.md');

const HEADER = `# Bad input: what each public function does with it

The public functions of @ad, fed wrong shapes, NaN, ±∞, empty arrays, ragged nested arrays,
non-numbers and wrong kinds of argument (as plain JavaScript callers can pass them). Each call
listed below is checked to either throw a typed error — \`ShapeError\`, \`DTypeError\`, \`ValueError\` (all \`AdError\`s, with the
function's name in \`.op\`) or a package's own \`AdError\` subclass, never the language's raw
\`TypeError\` / \`RangeError\` — whose message starts with the name of the function that refused
and says what was wrong, or returns a documented result: finite, or carrying NaN / ±∞ only where
the input held them (IEEE arithmetic; anomaly mode, \`detectAnomaly\`, names the first op that
turns finite values into non-finite ones) — never to hang, crash the process, or make a NaN from
finite input.

Beyond these cases, \`packages/cli/test/every-export.test.ts\` calls every exported function and
class of every package (and the functions the transforms return) with no arguments and with
undefined, null, {}, a string, NaN, −1, 1.5, a plain array and 10¹² as the first argument, and
fails on any error that is not an \`AdError\` naming what refused.

This file is generated by the tests (\`packages/*/test/bad-input.test.ts\`), which also check it:
a change of behaviour fails them until the file is regenerated with

\`\`\`sh
AD_WRITE_ERRORS_DOC=1 npx jest bad-input --runInBand
\`\`\`
`;

/** The section of one package in the file, or null. */
export function sectionInDoc(pkg: string): string | null {
  if (!existsSync(DOC)) return null;
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf(`<!-- bad-input:${pkg}:start -->`);
  const endMark = `<!-- bad-input:${pkg}:end -->`;
  const end = text.indexOf(endMark);
  return start < 0 || end < 0 ? null : text.slice(start, end + endMark.length);
}

const ORDER = ['@ad/core', '@ad/forward', '@ad/reverse', '@ad/jit', '@ad/vmap', '@ad/sparse', '@ad/nn'];

/** Writes one package's section into the file (under a lock: test files may run in parallel). */
export function writeSection(pkg: string, section: string): void {
  const lock = `${DOC}.lock`;
  mkdirSync(join(DOC, '..'), { recursive: true });
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (tries > 200) throw new Error(`cannot lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
  try {
    const sections = new Map<string, string>();
    for (const p of ORDER) {
      const s = sectionInDoc(p);
      if (s !== null) sections.set(p, s);
    }
    sections.set(pkg, section);
    const body = ORDER.filter((p) => sections.has(p)).map((p) => sections.get(p)!);
    writeFileSync(DOC, `${HEADER}\n${body.join('\n\n')}\n`);
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Runs a package's catalogue: one test per case (typed error or documented result), and one
 * that compares the rendered section with docs/errors.md (or writes it, with AD_WRITE_ERRORS_DOC=1).
 */
export function catalogue(pkg: string, cases: readonly BadCase[]): void {
  const outcomes: Outcome[] = [];
  describe(`${pkg}: bad input gives a typed error naming the function, or a documented result`, () => {
    test.each(cases.map((c, i) => [`${c.fn} — ${c.input}`, i] as const))('%s', (_title, i) => {
      const outcome = runCase(cases[i]);
      outcomes[i] = outcome;
      if (!outcome.ok) throw new Error(`${cases[i].fn} — ${cases[i].input}: ${outcome.problem}\n  (${outcome.text})`);
    });

    test(`docs/errors.md lists exactly these ${cases.length} behaviours`, () => {
      cases.forEach((c, i) => (outcomes[i] ??= runCase(c)));
      const section = renderSection(pkg, cases, outcomes);
      if (process.env.AD_WRITE_ERRORS_DOC === '1') {
        writeSection(pkg, section);
        return;
      }
      const inDoc = sectionInDoc(pkg);
      if (inDoc !== section) {
        throw new Error(
          `docs/errors.md's ${pkg} section differs from the behaviour the tests saw; if the change is deliberate, regenerate it with\n` +
            `  AD_WRITE_ERRORS_DOC=1 npx jest bad-input --runInBand\n\nexpected:\n${section}\n\nin the file:\n${inDoc ?? '(missing)'}`,
        );
      }
    });
  });
}
