/**
 * The kernels' thread pool in Chromium. A page served cross-origin isolated (COOP same-origin,
 * COEP require-corp) and under `script-src 'self' 'wasm-unsafe-eval'` (no blob, no eval) gets
 * shared memory, starts its worker from the package's pool-worker.js and trains an MLP with 2
 * threads to the single-thread numbers bit for bit, its parameters resident in the kernels'
 * shared memory; the same page without the two headers has no shared memory and trains on one
 * thread, its parameters plain arrays. (The strict-CSP pages of browser.test.ts load
 * the same bundle of @ad/core.)
 *
 * Chromium is Debian's (/usr/bin/chromium, or AD_CHROMIUM), driven by playwright-core. Runs
 * on dist/, so `tsc -b` must run first (the test command does).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { launchChromium, type Browser } from '@ad/test-support/chromium';

const ROOT = join(__dirname, '..', '..', '..');
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'";

interface Run {
  losses: number[];
  weights: number[][];
  resident: boolean[];
}
interface PageResult {
  ok: boolean;
  error?: string;
  isolated: boolean;
  shared: boolean;
  kernels: string;
  workersReady: number;
  jobs: number;
  byWorkers: number;
  single: Run;
  threaded: Run;
}

const site = mkdtempSync(join(tmpdir(), 'ad-threads-'));
let browser: Browser | undefined;
let server: Server;
let origin: string;
let isolate = true;

beforeAll(async () => {
  browser = await launchChromium();
  const common = { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', logLevel: 'silent' } as const;
  await build({ ...common, entryPoints: [join(__dirname, 'fixtures', 'page-threads.mjs')], outfile: join(site, 'app.js') });
  // The worker file as a bundler emits it for `new Worker(new URL('./pool-worker.js', import.meta.url))`: beside the app.
  await build({ ...common, entryPoints: [join(ROOT, 'packages', 'core', 'dist', 'kernels', 'pool-worker.js')], outfile: join(site, 'pool-worker.js') });
  writeFileSync(join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><title>@ad threads</title><script type="module" src="/app.js"></script>\n');
  server = createServer((req, res) => {
    const file = req.url === '/' ? 'index.html' : req.url === '/app.js' || req.url === '/pool-worker.js' ? req.url.slice(1) : null;
    if (file === null) {
      res.writeHead(404).end();
      return;
    }
    const isolation: Record<string, string> = isolate ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html', 'content-security-policy': CSP, ...isolation });
    res.end(readFileSync(join(site, file)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  rmSync(site, { recursive: true, force: true });
});

async function runPage(): Promise<PageResult> {
  const page = await (browser as Browser).context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (globalThis as unknown as { __adResult?: unknown }).__adResult !== undefined, undefined, { timeout: 60_000 });
  const result = await page.evaluate(() => (globalThis as unknown as { __adResult: PageResult }).__adResult);
  await page.close();
  expect(errors).toEqual([]);
  return result;
}

test('a cross-origin-isolated page trains with 2 threads and gets the single-thread numbers bit for bit', async () => {
  isolate = true;
  const r = await runPage();
  expect(r.error).toBeUndefined();
  expect([r.isolated, r.shared, r.kernels]).toEqual([true, true, 'wasm-relaxed']);
  expect(r.single.resident).toEqual([true, true, true, true]);
  expect(r.workersReady).toBe(1);
  // Both products of the first layer, every step, were jobs for two threads, and the worker computed blocks of each.
  expect(r.jobs).toBeGreaterThanOrEqual(2 * r.single.losses.length);
  expect(r.byWorkers).toBeGreaterThanOrEqual(r.jobs);
  expect(r.single.losses[r.single.losses.length - 1]).toBeLessThan(r.single.losses[0]);
  // toEqual compares numbers with Object.is: bit for bit.
  expect(r.threaded).toEqual(r.single);
});

test('the same page, not isolated, has no shared memory and trains on one thread', async () => {
  isolate = false;
  const r = await runPage();
  expect(r.error).toBeUndefined();
  expect([r.isolated, r.shared, r.workersReady, r.jobs]).toEqual([false, false, 0, 0]);
  expect(r.single.resident).toEqual([false, false, false, false]);
  expect(r.threaded).toEqual(r.single);
});
