/** `ad compile` end to end: the Wengert list, the generated program, the values and the cost line. */
import { ad, ensureBuilt, scratch } from './run.js';

beforeAll(ensureBuilt);

test('(x+y)*(x-y) in reverse mode: the trace, then the primal and adjoint statements of jit(grad(f))', async () => {
  const r = await ad(['compile', '--fn', '(x+y)*(x-y)', '--at', 'x=3,y=2'], scratch());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = r.stdout;
  expect(out).toContain(['  v0 = input', '  v1 = input', '  v2 = add(v0, v1)', '  v3 = sub(v0, v1)', '  v4 = mul(v2, v3)'].join('\n'));
  expect(out).toContain('the primal and adjoint program (jit(grad(f)); adjoints named after their primals, v0_bar = ∂f/∂v0, from f̄ = 1):');
  expect(out).toContain(
    [
      '    const v2 = v0 + v1; // add',
      '    const v3 = v0 - v1; // sub',
      '    const v0_bar = v2 + v3; // add',
      '    const v1_bar = v3 - v2; // sub',
      '    return [v0_bar, v1_bar];',
    ].join('\n'),
  );
  expect(out).toContain('at x = 3, y = 2: f = 5, ∇f = [6, -4]');
  expect(out).toMatch(/cost per call on this machine: compiled f [\d.]+ [nµ]s, compiled derivative [\d.]+ [nµ]s \([\d.]+× f\), eager grad [\d.]+ [nµ]s/);
  expect(out).toContain('statements: f 3, derivative 4');
});

test('forward mode and several outputs: jit(jacfwd(f)); a bad mode is a usage error', async () => {
  const r = await ad(['compile', '--fn', '[x*y, sin(x)]', '--mode', 'forward', '--at', 'x=1,y=2'], scratch());
  expect(r.code).toBe(0);
  // A zero seed's products stay in the program (0·∞ is NaN, as eager forward mode computes it).
  expect(r.stdout).toContain('    const v6 = Math.cos(v0); // cos\n    const v7 = 0 * v6; // mul\n    return [[v3, v5], [v6, v7]];');
  expect(r.stdout).toContain('J (jacfwd) = [[2, 1], [0.540302, 0]]');
  const bad = await ad(['compile', '--fn', 'x', '--mode', 'sideways'], scratch());
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe('ad compile: --mode must be one of reverse, forward; got "sideways"\n');
});
