/** `ad compare` end to end: the seeds' example, a family sweep with its picture, an MLP gradient. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ad, checkSvg, ensureBuilt, scratch } from './run.js';

beforeAll(ensureBuilt);

test('the seeds example: forward seeds e₁, e₂, [1,1]; the reverse seed; both Jacobians', async () => {
  const r = await ad(['compare', '--fn', '(x+y)*(x-y)', '--at', 'x=3,y=2'], scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines.slice(0, 2)).toEqual(['f(x, y) = (x + y) * (x - y)', 'at x = 3, y = 2:  f = 5']);
  // Forward: the tangent of each seed is the directional derivative 2x·ẋ₁ − 2y·ẋ₂.
  expect(r.stdout).toMatch(/^ {2}e₁ = \[1, 0\] +6$/m);
  expect(r.stdout).toMatch(/^ {2}e₂ = \[0, 1\] +-4$/m);
  expect(r.stdout).toMatch(/^ {2}\[1, 1\] +2$/m);
  // Reverse: one recording, the seed ȳ = 1 gives both adjoints at once.
  expect(r.stdout).toContain('reverse mode — f recorded once;');
  expect(r.stdout).toMatch(/^ {2}1 +\[6, -4\]$/m);
  expect(r.stdout).toMatch(/^ {2}forward \(jacfwd: columns J·eⱼ, 1 pass carrying 2 seeds\) +\[\[6, -4\]\]$/m);
  expect(r.stdout).toMatch(/^ {2}reverse \(jacrev: rows eᵢᵀ·J, 1 recording, 1 backward pass\) +\[\[6, -4\]\]$/m);
  expect(r.stdout).toContain('largest |forward − reverse| = 0');
});

test('several outputs, and extra seeds of the user’s own', async () => {
  const r = await ad(['compare', '--fn', '[x*y, sin(x), exp(y)]', '--at', 'x=1,y=2', '--tangent', '1,-1', '--cotangent', '1,0,1'], scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('f₃(x, y) = exp(y)');
  expect(r.stdout).toMatch(/^ {2}e₁ = \[1, 0\] +\[2, 0\.540302, 0\]$/m);
  expect(r.stdout).toMatch(/^ {2}\[1, -1\] +\[1, 0\.540302, -7\.38906\]$/m);
  expect(r.stdout).toMatch(/^ {2}e₂ = \[0, 1, 0\] +\[0\.540302, 0\]$/m);
  expect(r.stdout).toMatch(/^ {2}\[1, 0, 1\] +\[2, 8\.38906\]$/m);
  expect(r.stdout).toContain('3 backward passes');
  expect(r.stdout).toContain('largest |forward − reverse| = 0');
});

test('--family: passes, time and work for each (n, m), agreement, and the crossover picture', async () => {
  const dir = scratch();
  const r = await ad(['compare', '--family', 'tanh-mlp', '--n', '1,16', '--m', '1..16', '--chunk', '1,4', '--plot', 'x.svg'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const rows = r.stdout
    .split('\n')
    .filter((l) => /^ +\d+ +\d+ /.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
  // n ∈ {1, 16} × m ∈ {1, 2, 4, 8, 16}
  expect(rows.map((c) => `${c[0]},${c[1]}`)).toEqual(['1,1', '1,2', '1,4', '1,8', '1,16', '16,1', '16,2', '16,4', '16,8', '16,16']);
  for (const c of rows) {
    const [n, m, p1, , , p4, , , pr] = c.map((x) => Number(x.replace(/,/g, '')));
    expect(p1).toBe(n); // k = 1: one pass per input
    expect(p4).toBe(Math.ceil(n / Math.min(4, n))); // k = 4: ⌈n/4⌉ passes
    expect(pr).toBe(1 + m); // one recording and m backward passes
    expect(Number(c[11])).toBeLessThan(1e-12); // jacfwd and jacrev agree
  }
  // Work is the honest count: forward mode is cheaper for n = 1, reverse mode for m = 1 and n = 16.
  const work = (c: string[], i: number) => Number(c[i].replace(/,/g, ''));
  const at = (n: number, m: number) => rows.find((c) => c[0] === String(n) && c[1] === String(m))!;
  expect(work(at(1, 16), 4)).toBeLessThan(work(at(1, 16), 10));
  expect(work(at(16, 1), 7)).toBeGreaterThan(work(at(16, 1), 10));
  const svg = readFileSync(join(dir, 'x.svg'), 'utf8');
  checkSvg(svg);
  expect(svg).toContain('forward ÷ reverse, by kernel work');
});

test('--sparse: the detected pattern, colors each way, compressed against dense jacfwd, and the colored picture', async () => {
  const dir = scratch();
  const r = await ad(['compare', '--sparse', 'tridiagonal', '--n', '16,200', '--plot', 'p.svg'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const rows = r.stdout
    .split('\n')
    .filter((l) => /^ +\d+ +[\d,]+ +\d+ → /.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
  expect(rows.map((c) => c.slice(0, 6))).toEqual([
    ['16', '46', '16 → 3', '16 → 3', '3', 'forward (3)'],
    ['200', '598', '200 → 3', '200 → 3', '3', 'forward (3)'],
  ]);
  for (const c of rows) expect(Number(c[11])).toBeLessThan(1e-12);
  const svg = readFileSync(join(dir, 'p.svg'), 'utf8');
  checkSvg(svg);
  expect(svg).toContain('columns by color: 3 forward seeds instead of 16');
  expect(svg).toContain('rows by color: 3 reverse seeds instead of 16');
});

test('--sparse on a 2-D stencil and an arrowhead: 5 colors for the grid; the arrowhead n either way, 3 both ways', async () => {
  const r = await ad(['compare', '--sparse', 'stencil', '--n', '64', '--no-plot'], scratch());
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ +64 +288 +64 → 5 +64 → 5 +\d+ +forward \(5\) /m);
  const a = await ad(['compare', '--sparse', 'arrowhead', '--n', '20', '--no-plot'], scratch());
  expect(a.code).toBe(0);
  // The full first row joins every column, the full first column every row: n colors both ways.
  expect(a.stdout).toMatch(/^ +20 +58 +20 → 20 +20 → 20 +3 +bidirectional \(3\) /m);
});

test('--fn with --sparse: the pattern of one expression and its compressed seeds', async () => {
  const r = await ad(['compare', '--fn', '[x*y, y*z, sin(z), x+w]', '--at', 'x=1,y=2,z=3,w=4', '--sparse'], scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(['  × × · ·', '  · × × ·', '  · · × ·', '  × · · ×'].join('\n'));
  expect(r.stdout).toContain('forward: 4 seeds → 2 (columns x, y, z, w colored [1, 2, 1, 2]): [1, 0, 1, 0] [0, 1, 0, 1]');
  expect(r.stdout).toContain('reverse: 4 seeds → 2 (rows colored [1, 2, 1, 2]): [1, 0, 1, 0] [0, 1, 0, 1]');
});

test('--mlp: the loss gradient by forward mode on a subset against one reverse pass', async () => {
  const r = await ad(['compare', '--mlp', '6,16,3', '--subset', '40', '--chunk', '4'], scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ad compare — MLP 6-16-3 \(ReLU\), cross-entropy on 32 random rows with random labels \(seed 0\): P = 163 parameters$/m);
  expect(r.stdout).toMatch(/^reverse mode: 1 forward \+ 1 backward pass → all 163 partials in \S+ (ms|µs|s) \(work [\d,]+\)$/m);
  expect(r.stdout).toContain('forward mode: k = 4 parameter directions per pass → ⌈163 / 4⌉ = 41 passes for the full gradient');
  expect(r.stdout).toMatch(/measured on 40 parameters spread over all layers: 10 passes in/);
  expect(r.stdout).toMatch(/^cost ratio, full gradient, forward ÷ reverse: ≈ [\d.,]+× by time, ≈ [\d.,]+× by work$/m);
  const diff = Number(/largest \|forward − reverse\| = (\S+)/.exec(r.stdout)![1]);
  expect(diff).toBeLessThan(1e-12);
});

test('non-finite disagreement (x/y at y = 0: forward NaN, reverse ±∞) is reported and exits 1', async () => {
  const r = await ad(['compare', '--fn', 'x/y', '--at', 'x=1,y=0'], scratch());
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('largest |forward − reverse| = 0 over the finite entries');
  expect(r.stderr).toContain('ad compare: forward and reverse mode disagree on non-finite entries');
  expect(r.stderr).toContain('J[0][0]: forward NaN, reverse Infinity');
});

test('--nan-safe: a zero tangent times an infinite partial is 0, so forward mode agrees with reverse (exit 0)', async () => {
  const r = await ad(['compare', '--fn', 'x/y', '--at', 'x=1,y=0', '--nan-safe'], scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ {2}forward \(jacfwd: .*\) +\[\[Infinity, -Infinity\]\]$/m);
  expect(r.stdout).toContain('largest |forward − reverse| = 0');
});
