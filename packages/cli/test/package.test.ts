/**
 * Publishable packages, as a user gets them: `pnpm pack` every package, `npm install` the
 * tarballs into an empty folder, and there run the README's "Use it from npm" and "Use it in a
 * web page" files (ES module, CommonJS, the page script — each console.log's output must be its
 * comment), bundle the page script for the browser, type-check a strict consumer with
 * `skipLibCheck: false`, and run `npx ad --help`. Runs on dist/, so `tsc -b` must run first
 * (the test command does). npm takes third-party packages from its cache or the registry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(__dirname, '..', '..', '..');
const PACKAGES = ['core', 'forward', 'reverse', 'jit', 'vmap', 'sparse', 'nn', 'cli'];
const work = mkdtempSync(join(tmpdir(), 'ad-package-'));
const packs = join(work, 'packs');
const consumer = join(work, 'consumer');

/** The README's files: fenced js blocks whose first line names them (`// consumer.mjs`). */
function readmeFiles(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const files = new Map<string, string>();
  for (const [, body] of readme.matchAll(/```js\n([\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w.-]+\.[cm]?js)\n/.exec(body)?.[1];
    if (name !== undefined) files.set(name, body);
  }
  return files;
}

/** What a file's console.log lines say they print: the comment after each. */
function expectedOutput(source: string): string[] {
  return source
    .split('\n')
    .filter((line) => line.startsWith('console.log('))
    .map((line) => /; \/\/ (.*)$/.exec(line)?.[1] ?? `(no expected-output comment on: ${line})`);
}

const files = readmeFiles();

beforeAll(() => {
  for (const p of PACKAGES) {
    if (!existsSync(join(ROOT, 'packages', p, 'dist', 'index.js'))) throw new Error(`packages/${p}/dist is missing: build first with \`tsc -b\``);
  }
  // The published packages by name (packages/ also holds the private @ad/test-support, which `pack` would not skip).
  const filters = PACKAGES.flatMap((p) => ['--filter', `@ad/${p}`]);
  execFileSync('npx', ['--yes', 'pnpm@10.34.9', '-r', ...filters, 'pack', '--pack-destination', packs], { cwd: ROOT, stdio: 'pipe' });
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], { cwd: consumer, stdio: 'pipe' });
  for (const [name, body] of files) writeFileSync(join(consumer, name), body);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the README shows the ES module, CommonJS and page files', () => {
  expect([...files.keys()].sort()).toEqual(['app.mjs', 'consumer.cjs', 'consumer.mjs']);
});

test.each(PACKAGES)('the @ad/%s tarball holds dist, README, LICENSE (cli: its bin launcher) and versioned dependencies only', (p) => {
  const tarball = join(packs, `ad-${p}-0.1.0.tgz`);
  const entries = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  // cli's bin/ad.js is the `ad` command's launcher (it imports dist/bin.js).
  expect(entries.filter((e) => !/^package\/(package\.json|README\.md|LICENSE|dist\/.+)$/.test(e) && !(p === 'cli' && e === 'package/bin/ad.js'))).toEqual([]);
  expect(entries.filter((e) => e.includes('tsbuildinfo'))).toEqual([]);
  expect(entries).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts']));
  const manifest = execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' });
  expect(manifest).not.toContain('workspace:');
});

test.each(['consumer.mjs', 'consumer.cjs', 'app.mjs'])('%s from the README prints what its comments say', (name) => {
  const run = spawnSync(process.execPath, [name], { cwd: consumer, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout.trimEnd().split('\n')).toEqual(expectedOutput(files.get(name) ?? ''));
});

test('app.mjs bundles for the browser from the installed packages', async () => {
  const out = await build({
    entryPoints: [join(consumer, 'app.mjs')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  expect(out.errors).toEqual([]);
  expect(out.outputFiles[0].text).not.toMatch(/require\("node:/);
});

test('a strict TypeScript consumer type-checks with skipLibCheck: false', () => {
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: [] },
      files: ['check.ts'],
    }),
  );
  writeFileSync(
    join(consumer, 'check.ts'),
    `import { tensor, type Tensor } from '@ad/core';
import { jvp, type Dual } from '@ad/forward';
import { grad, variable } from '@ad/reverse';
import { Adam, Linear, Sequential, relu, restoreBytes, saveBytes, type Checkpoint } from '@ad/nn';
import { load, mnist, save } from '@ad/nn/node';
import { main } from '@ad/cli';

const t: Tensor = tensor([[1, 2], [3, 4]]);
const g: number[] = grad(([a, b]) => a.mul(b).sin())([1, 2]);
const f = ([x, y]: Dual[]) => x.mul(y);
const model = new Sequential([new Linear(2, 2), relu]);
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const bytes: Uint8Array = saveBytes(model, { optimizer });
const ckpt: Checkpoint = restoreBytes(bytes, model, optimizer);
const code: Promise<number> = main(['--help']);
export { t, g, f, ckpt, code, jvp, variable, load, mnist, save };
`,
  );
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', consumer], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
});

test('npx ad --help runs the installed command', () => {
  const run = spawnSync('npx', ['--no-install', 'ad', '--help'], { cwd: consumer, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^Usage: ad \[options\] \[command\]/);
});
