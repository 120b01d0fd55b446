/**
 * Bad input, end to end: one clear line on stderr, a non-zero exit (2 for bad usage, 1 for a
 * file that cannot be used), nothing on stdout, and no file written or overwritten.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ad, ensureBuilt, scratch } from './run.js';

beforeAll(ensureBuilt);

const KEEP = 'the previous file, which must survive';

/** [args, exit code, the stderr line] */
const CASES: [string[], number, string | RegExp][] = [
  [['train', '--bogus'], 2, "ad train: unknown option '--bogus'"],
  [['train', '--epoch', '3'], 2, "ad train: unknown option '--epoch' (Did you mean --epochs?)"],
  [['train', '--lr', 'fast'], 2, 'ad train: --lr must be a positive number ≤ 10, got "fast"'],
  [['train', '--lr', '-0.1'], 2, 'ad train: --lr must be a positive number ≤ 10, got "-0.1"'],
  [['train', '--epochs', '2.5'], 2, 'ad train: --epochs must be a positive integer ≤ 100000, got "2.5"'],
  [['train', '--batch', '0x10'], 2, 'ad train: --batch must be a positive integer ≤ 100000, got "0x10"'],
  [['train', '--hidden', '64,,32'], 2, 'ad train: --hidden must be a comma-separated list of numbers, got "64,,32"'],
  [['train', '--dropout', '1'], 2, 'ad train: --dropout must be a number in [0, 0.95], got "1"'],
  [['train', '--data', 'cifar10'], 2, 'ad train: --data must be one of mnist, iris, xor, moons, spirals; got "cifar10"'],
  [['train', '--data', 'xor', '--shift', '2'], 2, 'ad train: --shift moves 28×28 images and applies to mnist only, not xor'],
  [['train', '--data', 'iris', '--limit', '50'], 2, 'ad train: --limit 50: iris has only 150 rows and is used whole'],
  [['train', '--data', 'xor', '--out', 'missing-dir/model.json'], 2, /^ad train: --out missing-dir\/model\.json: directory .*missing-dir does not exist$/],
  [['train', 'extra'], 2, "ad train: too many arguments for 'train'. Expected 0 arguments but got 1."],
  [['eval'], 2, /^ad eval: no checkpoint named and none of mnist\.safetensors, .* is in this folder; pass --checkpoint <file>/],
  [['eval', '--checkpoint', 'absent.json'], 1, /^ad eval: load: cannot read absent\.json: no such file \(ENOENT\)/],
  [['eval', '--checkpoint', 'corrupt.json'], 1, 'ad eval: load: corrupt.json is not a complete checkpoint (truncated or not JSON, 12 bytes)'],
  [['eval', '--checkpoint', 'model.json'], 1, 'ad eval: load: model.json is not a complete checkpoint (truncated or not JSON, 37 bytes)'],
  [['train', '--resume', 'corrupt.json'], 1, 'ad train: load: corrupt.json is not a complete checkpoint (truncated or not JSON, 12 bytes)'],
  [['compare'], 2, 'ad compare: give one of --fn (with --at), --family, --sparse or --mlp'],
  [['compare', '--fn', 'x*y'], 2, 'ad compare: --fn needs --at, the point to differentiate at (e.g. --at x=3,y=2)'],
  [['compare', '--fn', '(x+y', '--at', 'x=1,y=2'], 2, 'ad compare: cannot parse --fn "(x+y": Parenthesis ) expected (char 5)'],
  [['compare', '--fn', 'gamma(x)', '--at', 'x=1'], 2, /^ad compare: --fn: unknown function gamma\(\); known functions: abs, acos, .*\bsin\b.*$/],
  [['compare', '--fn', 'x % 2', '--at', 'x=1'], 2, 'ad compare: --fn: operator % (mod) is not supported; use + - * / ^ and functions such as sin, exp, log'],
  [['compare', '--fn', 'x*z', '--at', 'x=1'], 2, 'ad compare: "x*z" uses z, which --at does not give; add z=… to --at'],
  [['compare', '--fn', 'x', '--at', 'x=one'], 2, 'ad compare: x in --at must be a number, got "one"'],
  [['compare', '--fn', 'x', '--at', 'x:1'], 2, 'ad compare: --at must look like x=3,y=2, got "x:1"'],
  [['compare', '--fn', 'x*y', '--at', 'x=1,y=2', '--tangent', '1'], 2, 'ad compare: --tangent 1 has 1 entries; f has 2 inputs (x, y)'],
  [['compare', '--family', 'quadratic'], 2, 'ad compare: --family: unknown family "quadratic"; known: tanh-layer, tanh-mlp'],
  [['compare', '--family', 'tanh-layer', '--n', '8..2'], 2, 'ad compare: --n range "8..2" ends below its start'],
  [['compare', '--fn', 'x', '--at', 'x=1', '--mlp', '4,2'], 2, 'ad compare: give only one of --fn, --family, --sparse NAME, --mlp (got --fn and --mlp)'],
  [['compare', '--sparse'], 2, 'ad compare: --sparse needs a family name (tridiagonal, pentadiagonal, arrowhead, stencil), or goes with --fn'],
  [['compare', '--sparse', 'banded'], 2, 'ad compare: --sparse: unknown family "banded"; known: tridiagonal, pentadiagonal, arrowhead, stencil'],
  [
    ['compare', '--sparse', 'stencil', '--n', '10'],
    2,
    'ad compare: --n 10: the family stencil works on a √n × √n grid, so n must be a square (e.g. 16, 100, 10000)',
  ],
  [['compare', '--sparse', 'tridiagonal', '--m', '4'], 2, 'ad compare: --m goes with --family, not --sparse'],
  [['compare', '--family', 'tanh-layer', '--n', '5000'], 2, 'ad compare: --n must be at most 4096 with --family, got 5000 (dense Jacobians)'],
  [['compare', '--fn', 'x', '--at', 'x=1', '--subset', '4'], 2, 'ad compare: --subset goes with --mlp, not --fn'],
  [['compare', '--mlp', '784'], 2, 'ad compare: --mlp needs at least two layer sizes (inputs and outputs), e.g. 784,128,10; got "784"'],
  [['graph', '--fn', 'x*y'], 2, "ad graph: required option '--at <point>' not specified"],
  [['graph', '--fn', '[x, y]', '--at', 'x=1,y=2'], 2, 'ad graph: --fn gives 2 expressions; ad graph draws one at a time'],
  [['graph', '--fn', '2*3', '--at', 'x=1'], 2, 'ad graph: "2*3" does not depend on x: nothing is recorded'],
  [['graph', '--fn', 'x', '--at', 'x=1', '--format', 'png'], 2, 'ad graph: --format must be one of svg, dot; got "png"'],
  [['frobnicate'], 2, "ad: unknown command 'frobnicate'"],
];

test.concurrent.each(CASES)('ad %p fails with one clear line', async (args, code, message) => {
  const dir = scratch();
  writeFileSync(join(dir, 'corrupt.json'), '{"format": "');
  writeFileSync(join(dir, 'model.json'), KEEP);
  writeFileSync(join(dir, 'curves.svg'), KEEP);
  writeFileSync(join(dir, 'graph.svg'), KEEP);
  const r = await ad(args, dir);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n');
  expect(lines).toHaveLength(2); // one line and its newline
  expect(lines[1]).toBe('');
  if (typeof message === 'string') expect(lines[0]).toBe(message);
  else expect(lines[0]).toMatch(message);
  expect(r.code).toBe(code);
  // Nothing written, nothing overwritten.
  expect(readdirSync(dir).sort()).toEqual(['corrupt.json', 'curves.svg', 'graph.svg', 'model.json']);
  for (const f of ['model.json', 'curves.svg', 'graph.svg']) expect(readFileSync(join(dir, f), 'utf8')).toBe(KEEP);
});

test('a checkpoint that is not ad train’s, or was tampered with, is refused', async () => {
  const dir = scratch();
  expect((await ad(['train', '--data', 'xor', '--epochs', '2', '--no-plot', '--out', 'model.json'], dir)).code).toBe(0);
  const text = readFileSync(join(dir, 'model.json'), 'utf8');
  // One changed digit in the payload: the checksum no longer matches.
  const i = text.indexOf('"epoch\\":2');
  writeFileSync(join(dir, 'tampered.json'), `${text.slice(0, i)}"epoch\\":3${text.slice(i + '"epoch\\":2'.length)}`);
  const r = await ad(['eval', '--checkpoint', 'tampered.json'], dir);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe('ad eval: load: tampered.json is corrupted: its checksum does not match its contents\n');
});
