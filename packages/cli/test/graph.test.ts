/** `ad graph` end to end: the trace table, the SVG from WASM Graphviz, DOT on stdout. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ad, checkSvg, ensureBuilt, scratch } from './run.js';

beforeAll(ensureBuilt);

const TRACE = [
  '  node  definition  op     value  dot  bar',
  '  ────  ──────────  ─────  ─────  ───  ───',
  '  v₋₁   x           input      3    1    6',
  '  v₀    y           input      2    0   -4',
  '  v₁    v₋₁ + v₀    add        5    1    1',
  '  v₂    v₋₁ − v₀    sub        1    1    5',
  '  v₃    v₁ · v₂     mul        5    6    1',
];

test('the trace of (x+y)*(x-y) at (3, 2): values, tangents for e₁, adjoints; the graph as SVG', async () => {
  const dir = scratch();
  const r = await ad(['graph', '--fn', '(x+y)*(x-y)', '--at', 'x=3,y=2'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines.slice(0, 2)).toEqual(['f(x, y) = (x + y) * (x - y)', 'at x = 3, y = 2; forward seed ẋ = e₁ = [1, 0]; reverse seed ȳ = 1']);
  expect(lines.slice(4, 11)).toEqual(TRACE);
  expect(lines[12]).toBe('f = 5;  ẏ = J·ẋ = 6 (forward, one pass);  x̄ = ∇f = [6, -4] (reverse, one backward pass)');
  expect(lines[13]).toBe('graph drawn in graph.svg');
  const svg = readFileSync(join(dir, 'graph.svg'), 'utf8');
  checkSvg(svg);
  // Graphviz writes some characters as numeric references (- as &#45;).
  const text = svg.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
  for (const label of ['v₃ = mul', 'value 5', 'dot 6', 'bar -4', 'x (v₋₁)']) expect(text).toContain(`>${label}</text>`);
});

test('another seed, constants, functions; --format dot prints DOT with the trace as comments', async () => {
  const r = await ad(['graph', '--fn', 'sin(x)*y + x^2/2', '--at', 'x=1,y=5', '--tangent', '0,1', '--format', 'dot'], scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const comments = lines.filter((l) => l.startsWith('//'));
  const dot = lines.filter((l) => !l.startsWith('//'));
  expect(comments[1]).toBe('// at x = 1, y = 5; forward seed ẋ = [0, 1]; reverse seed ȳ = 1');
  expect(comments.slice(6, 13)).toEqual([
    '//   v₋₁   x           input         1         0   3.70151',
    '//   v₀    y           input         5         1  0.841471',
    '//   v₁    sin(v₋₁)    sin    0.841471         0         5',
    '//   v₂    v₁ · v₀     mul     4.20735  0.841471         1',
    '//   v₃    v₋₁ ^ 2     pow           1         0       0.5',
    '//   v₄    v₃ / 2      div         0.5         0         1',
    '//   v₅    v₂ + v₄     add     4.70735  0.841471         1',
  ]);
  expect(dot[0]).toBe('digraph G {');
  expect(dot[dot.length - 1]).toBe('}');
  expect(dot).toContain('  v1 [label="v₁ = sin | value 0.841471 | dot 0 | bar 5"];');
  expect(dot.filter((l) => /^ {2}c\d+ -> v\d+ \[style=dashed\];$/.test(l))).toHaveLength(2);
});

test('--out file.dot writes DOT and prints the trace', async () => {
  const dir = scratch();
  const r = await ad(['graph', '--fn', 'x*x', '--at', 'x=3', '--out', 'g.dot'], dir);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('graph drawn in g.dot');
  expect(r.stdout).toMatch(/^ {2}v₁ +v₀ · v₀ +mul +9 +6 +1$/m);
  expect(readFileSync(join(dir, 'g.dot'), 'utf8')).toMatch(/^digraph G \{[\s\S]*\n\}\n$/);
});
