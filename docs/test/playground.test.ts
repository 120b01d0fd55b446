/**
 * The playground's computation and state, in Node (the page runs the same modules in a Web
 * Worker; playground-browser.ts drives the page in Chromium): the numbers for the guide's
 * examples, the identities that tie the two modes, the `ad` command's own messages for bad
 * input, the URL round trip, and the guide's links to the playground with each figure's
 * function and seeds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { join } from 'node:path';
import { parseProgram, pointed, trace, UsageError } from '@ad/cli/browser';
import { compute, type PlaygroundInput, type PlaygroundResult } from '../playground/compute.js';
import { toDot } from '../playground/graph-dot.js';
import { DEFAULTS, readState, writeState } from '../playground/url-state.js';

const ok = (input: PlaygroundInput): PlaygroundResult => {
  const outcome = compute(input);
  if (!outcome.ok) throw new Error(`${outcome.error.field}: ${outcome.error.message}`);
  return outcome.result;
};

test("the playground's worker bundles for a page: nothing it reaches imports a Node builtin", async () => {
  // esbuild follows docs/tsconfig.json's paths to the packages' sources, as the page's build follows their dist/.
  const out = await build({
    entryPoints: [join(__dirname, '..', 'playground', 'worker.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
  const inputs = Object.keys(out.metafile.inputs);
  expect(inputs).toContain('packages/cli/src/browser.ts');
  expect(inputs.filter((f) => /^node:|(^|\/)(fs|path|crypto|module|process|child_process)$/.test(f))).toEqual([]);
});

test('(x+y)(x−y) at (3, 2) with seeds [1, 1]: f = 5, ẏ = 2, J = [[6, −4]] both ways, one pass each', () => {
  const r = ok({ fn: '(x+y)*(x-y)', at: 'x=3,y=2', seed: '1,1', rseed: '1' });
  expect(r.value).toBe(5);
  expect(r.tangent).toBe(2);
  expect(r.adjoint).toEqual([6, -4]);
  expect(r.jacobianForward).toEqual([[6, -4]]);
  expect(r.jacobianReverse).toEqual([[6, -4]]);
  expect(r.passes).toEqual({ jacfwd: 1, jacrevRecordings: 1, jacrevBackward: 1, tangent: 1, adjointRecordings: 1, adjoint: 1 });
});

test('the Wengert list is the one `ad graph` prints (names, definitions, values, dots, bars)', () => {
  const r = ok({ fn: 'sin(x)*y + exp(x*y) - x/y', at: 'x=0.5,y=-1.5', seed: '0.3,-2', rseed: '1' });
  const cli = trace(pointed('sin(x)*y + exp(x*y) - x/y', 'x=0.5,y=-1.5'), [0.3, -2]);
  expect(r.rows.map((row) => [row.id, row.value, row.dots[0], row.bars[0]])).toEqual(cli.entries.map((e) => [e.id, e.value, e.dot, e.bar]));
  expect(r.rows.filter((row) => row.outputs.length > 0).map((row) => row.id)).toEqual([cli.output]);
});

test('several outputs and seeds (guide page 5): ẏ = J·ẋ per seed, x̄ = Jᵀ·ȳ per seed, and ⟨ȳ, Jẋ⟩ = ⟨x̄, ẋ⟩', () => {
  const r = ok({ fn: '[(h+t)*(h-t), h*t]', at: 'h=3,t=2', seed: '1,0; 0,1; 1,1', rseed: '1,0;0,1;1,1' });
  expect(r.value).toEqual([5, 6]);
  expect(r.jacobianForward).toEqual([
    [6, -4],
    [2, 3],
  ]);
  expect(r.jacobianReverse).toEqual([
    [6, -4],
    [2, 3],
  ]);
  expect(r.tangent).toEqual([
    [6, -4, 2],
    [2, 3, 5],
  ]);
  expect(r.adjoint).toEqual([
    [6, -4],
    [2, 3],
    [8, -1],
  ]);
  expect(r.passes).toMatchObject({ tangent: 1, adjointRecordings: 1, adjoint: 3, jacrevBackward: 2 });
  // The outputs' rows carry the seeds' own entries: ȳᵢ at yᵢ, and Jᵢ·ẋ as their dots.
  const outputs = ['f₁', 'f₂'].map((name) => r.rows.find((row) => row.outputs.includes(name))!);
  expect(outputs.map((row) => row.bars)).toEqual([
    [1, 0, 1],
    [0, 1, 1],
  ]);
  expect(outputs.map((row) => row.dots)).toEqual([
    [6, -4, 2],
    [2, 3, 5],
  ]);
  const tangents = r.tangent as number[][]; // [output][seed]
  for (const [a, yBar] of r.cotangents.entries()) {
    for (const [k, xDot] of r.seeds.entries()) {
      const left = yBar.reduce((sum, c, i) => sum + c * tangents[i][k], 0);
      const right = (r.adjoint as number[][])[a].reduce((sum, g, j) => sum + g * xDot[j], 0);
      expect(left).toBeCloseTo(right, 12);
    }
  }
  // The inputs' bars are the adjoints.
  expect(r.rows.filter((row) => row.op === 'input').map((row) => row.bars)).toEqual([
    [6, 2, 8],
    [-4, 3, -1],
  ]);
});

test('the Jacobian of a nonlinear f agrees with central finite differences, both ways', () => {
  const fn = '[sin(x)*exp(y), log(x) + y^2, tanh(x*y)]';
  const x = [0.7, -0.4];
  const at = (v: number[]) => `x=${v[0]},y=${v[1]}`;
  const r = ok({ fn, at: at(x), seed: '', rseed: '' });
  const h = 1e-6;
  for (let j = 0; j < 2; j++) {
    const plus = x.map((v, i) => (i === j ? v + h : v));
    const minus = x.map((v, i) => (i === j ? v - h : v));
    const fp = ok({ fn, at: at(plus), seed: '', rseed: '' }).value as number[];
    const fm = ok({ fn, at: at(minus), seed: '', rseed: '' }).value as number[];
    fp.forEach((v, i) => {
      const fd = (v - fm[i]) / (2 * h);
      expect(r.jacobianForward[i][j]).toBeCloseTo(fd, 8);
      expect(r.jacobianReverse[i][j]).toBeCloseTo(fd, 8);
    });
  }
});

test("bad input gets a message in the page's words (no CLI flags), under the field it is about", () => {
  const parseMessage = (fn: string) => {
    try {
      parseProgram(fn, 'f');
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error(`${fn} parsed`);
  };
  const error = (input: Partial<PlaygroundInput>) => {
    const outcome = compute({ fn: '(x+y)*(x-y)', at: 'x=3,y=2', seed: '1,1', rseed: '1', ...input });
    return outcome.ok ? null : outcome.error;
  };
  expect(error({ fn: '(x+' })).toEqual({ field: 'fn', message: parseMessage('(x+') });
  expect(error({ fn: 'foo(x)' })).toEqual({ field: 'fn', message: parseMessage('foo(x)') });
  expect(error({ fn: '(x+' })?.message).toBe('cannot parse f "(x+": Unexpected end of expression (char 4)');
  expect(error({ fn: 'x*z' })).toEqual({ field: 'at', message: '"x*z" uses z, which the point does not give; add z=… to the point' });
  expect(error({ at: 'x=3,y=two' })).toEqual({ field: 'at', message: 'y in the point must be a number, got "two"' });
  expect(error({ seed: '1' })).toEqual({ field: 'seed', message: 'forward seed 1 has 1 entry; f has 2 inputs (x, y)' });
  expect(error({ seed: '1,1;1,x' })).toEqual({ field: 'seed', message: 'forward seed must be a number, got "x"' });
  expect(error({ rseed: '1,1' })).toEqual({ field: 'rseed', message: 'reverse seed 1,1 has 2 entries; f has 1 output' });
  for (const input of [{ fn: '(x+' }, { fn: 'x*z' }, { at: 'x=3,y=two' }, { seed: '1' }, { rseed: '1,1' }]) expect(error(input)?.message).not.toMatch(/--/);
});

test('the graph is drawn with dots in the forward view and bars in the reverse view', () => {
  const r = ok({ fn: '(x+y)*(x-y)', at: 'x=3,y=2', seed: '1,1', rseed: '1' });
  const forward = toDot(r, 'forward');
  expect(forward).toContain('v3 [label="v₃ = mul → f | value 5 | dot 2"');
  expect(forward).toContain('vm1 -> v1;');
  expect(toDot(r, 'reverse')).toContain('vm1 [label="x (v₋₁) | value 3 | bar 6"');
});

test('the URL carries the state: the shared link opens with its function, point and seed, and round-trips', () => {
  const state = readState('?fn=(x%2By)*(x-y)&at=x=3,y=2&seed=1,1');
  expect(state).toEqual({ fn: '(x+y)*(x-y)', at: 'x=3,y=2', seed: '1,1', rseed: '', view: 'forward', limit: DEFAULTS.limit });
  expect(writeState(state)).toBe('?fn=(x%2By)*(x-y)&at=x=3,y=2&seed=1,1');
  // A plus typed into the URL is a plus, not a space (x y would be the product).
  expect(readState('?fn=x+y&at=x=1,y=2').fn).toBe('x+y');
  const odd = { fn: '[a & b, c#d]', at: 'a=1', seed: '1;2', rseed: '', view: 'reverse' as const, limit: 500 };
  expect(readState(writeState(odd))).toEqual(odd);
  expect(readState('')).toEqual(DEFAULTS);
});

describe('the guide links to the playground with each figure’s function and seeds', () => {
  const docs = join(__dirname, '..');
  const guide = join(docs, 'guide');
  /** The states of a page's markdown links to the playground (their URLs hold balanced parentheses). */
  const links = (text: string) =>
    [...text.matchAll(/\]\(\/playground(\?)/g)].map((m) => {
      let depth = 0;
      let end = m.index + m[0].length;
      for (; end < text.length && !(text[end] === ')' && depth === 0); end++) depth += text[end] === '(' ? 1 : text[end] === ')' ? -1 : 0;
      return readState(text.slice(m.index + m[0].length - 1, end));
    });
  /** `ad` jobs of scripts/pictures.mjs with a function: name → fn, at, forward seed. */
  const jobs = new Map(
    [...readFileSync(join(docs, 'scripts', 'pictures.mjs'), 'utf8').matchAll(/\{ name: '([\w-]+)', args: \[([^\]]*)\]/g)].flatMap(([, name, list]) => {
      const args = [...list.matchAll(/'([^']*)'/g)].map((m) => m[1]);
      const flag = (f: string) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
      const fn = flag('--fn');
      return fn === undefined ? [] : [[name, { fn, at: flag('--at')!, seed: flag('--tangent') }] as const];
    }),
  );
  const squash = (s: string) => s.replace(/\s+/g, '');

  test.each(readdirSync(guide).filter((f) => f.endsWith('.md')))('%s', (page) => {
    const text = readFileSync(join(guide, page), 'utf8');
    const shown = [...text.matchAll(/\/pictures\/([\w-]+)\.svg|<<< @\/generated\/([\w-]+)\.txt/g)].map((m) => m[1] ?? m[2]).filter((name) => jobs.has(name));
    const linked = links(text);
    for (const name of shown) {
      const job = jobs.get(name)!;
      const match = linked.find((l) => squash(l.fn) === squash(job.fn) && l.at === job.at && (job.seed === undefined || l.seed === job.seed));
      expect(match === undefined ? `${page}: no playground link for ${name} (${job.fn} at ${job.at}, seed ${job.seed})` : 'linked').toBe('linked');
    }
    // Every link opens without an error.
    for (const l of linked) expect(compute(l)).toMatchObject({ ok: true });
  });

  test('guide page 5 links to the seeds [1, 1] example', () => {
    const linked = links(readFileSync(join(guide, '05-seeds.md'), 'utf8'));
    expect(linked).toContainEqual(expect.objectContaining({ fn: '(x+y)*(x-y)', at: 'x=3,y=2', seed: '1,1' }));
  });
});
