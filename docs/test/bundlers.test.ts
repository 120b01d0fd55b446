/**
 * @ad/core through the bundlers users have, as they really behave: whether the kernels' worker
 * file (pool-worker.js, started by `new Worker(new URL('./pool-worker.js', import.meta.url),
 * { type: 'module' })` in a page and by its path beside the calling module in Node) is in the
 * output, and whether products still run, and on how many threads, from what they emit.
 *
 * - Vite (`vite build`) recognises the `new Worker(new URL(…))` form: it emits the worker as an
 *   asset and rewrites the reference to it, with no configuration.
 * - esbuild does not (evanw/esbuild#312): its bundle keeps `new URL('./pool-worker.js',
 *   import.meta.url)` and emits no such file, so the worker must be a second entry point named
 *   pool-worker, `@ad/core/pool-worker`, written beside the bundle. Without it a page or a Node
 *   program runs every product on one thread (the pool finds no worker and stays on one), with
 *   the same results.
 *
 * The program bundled is fixtures/bundle-product.mjs. Runs on the packages' dist/ (through
 * docs/node_modules, as a user's project resolves them), so `tsc -b` must run first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';

const fixtures = join(__dirname, 'fixtures');
const program = join(fixtures, 'bundle-product.mjs');
const out = mkdtempSync(join(tmpdir(), 'ad-bundlers-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** What fixtures/bundle-product.mjs prints. */
interface Report {
  threads: number;
  workersReady: number;
  byWorkers: number;
  sameBits: boolean;
  entry: number;
}

function esbuild(dir: string, options: BuildOptions): void {
  buildSync({ bundle: true, format: 'esm', target: 'es2022', logLevel: 'silent', outdir: join(out, dir), ...options });
}

/** Runs a bundled program with Node and parses its report. */
function runNode(file: string, waitMs: number): Report {
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, AD_THREADS: '', WAIT_MS: String(waitMs) }, timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

/** The program unbundled, on one thread: the entry the bundles must print. */
let expectedEntry = Number.NaN;
beforeAll(() => {
  expectedEntry = runNode(program, 0).entry;
});

describe('esbuild', () => {
  const WORKER_REFERENCE = 'new URL("./pool-worker.js", import.meta.url)';

  test('a page bundle refers to pool-worker.js beside itself, which esbuild does not emit on its own', () => {
    esbuild('page-alone', { entryPoints: { app: program }, platform: 'browser' });
    expect(readFileSync(join(out, 'page-alone', 'app.js'), 'utf8')).toContain(WORKER_REFERENCE);
    expect(readdirSync(join(out, 'page-alone'))).toEqual(['app.js']);
  });

  test('with @ad/core/pool-worker as a second entry point, the worker is there, in one file with no imports', () => {
    esbuild('page', { entryPoints: { app: program, 'pool-worker': '@ad/core/pool-worker' }, platform: 'browser', absWorkingDir: __dirname });
    expect(readFileSync(join(out, 'page', 'app.js'), 'utf8')).toContain(WORKER_REFERENCE);
    const worker = readFileSync(join(out, 'page', 'pool-worker.js'), 'utf8');
    // Self-contained: it loads as a module worker, and as a script in Node beside a bundle.
    expect(worker).not.toMatch(/^\s*(import|export)\b/m);
    expect(worker).toContain('gemmUnits');
  });

  test('a one-file Node bundle runs products correctly, on one thread', () => {
    esbuild('node-alone', { entryPoints: { app: program }, platform: 'node' });
    writeFileSync(join(out, 'node-alone', 'package.json'), '{ "type": "module" }\n');
    expect(readdirSync(join(out, 'node-alone')).sort()).toEqual(['app.js', 'package.json']);
    const r = runNode(join(out, 'node-alone', 'app.js'), 1000);
    expect(r).toEqual({ threads: 2, workersReady: 0, byWorkers: 0, sameBits: true, entry: expectedEntry });
  });

  test('a Node bundle with the worker beside it runs products on two threads, with the same bits', () => {
    esbuild('node', { entryPoints: { app: program, 'pool-worker': '@ad/core/pool-worker' }, platform: 'node', absWorkingDir: __dirname });
    writeFileSync(join(out, 'node', 'package.json'), '{ "type": "module" }\n');
    const r = runNode(join(out, 'node', 'app.js'), 10_000);
    expect([r.threads, r.workersReady, r.sameBits, r.entry]).toEqual([2, 1, true, expectedEntry]);
    expect(r.byWorkers).toBeGreaterThan(0);
  });
});

describe('Vite', () => {
  test('vite build emits the worker and points the page at it', () => {
    const dir = join(out, 'vite');
    const r = spawnSync(process.execPath, [join(fixtures, 'vite-build.mjs'), dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const assets = readdirSync(join(dir, 'assets'));
    const worker = assets.find((f) => /^pool-worker-[\w-]+\.js$/.test(f));
    expect(worker).toBeDefined();
    expect(readFileSync(join(dir, 'assets', worker as string), 'utf8')).toContain('gemmUnits');
    const chunks = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, 'assets', f), 'utf8'));
    expect(chunks.some((c) => c.includes(`new URL("${worker}",import.meta.url)`))).toBe(true);
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
  });
});
