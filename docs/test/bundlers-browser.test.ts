/**
 * Threads from a bundle, in Chromium: fixtures/bundle-product.mjs bundled by Vite (`vite build`)
 * and by esbuild (with @ad/core/pool-worker as a second entry point: see bundlers.test.ts),
 * served cross-origin isolated (COOP same-origin, COEP require-corp) under `script-src 'self'
 * 'wasm-unsafe-eval'`: the page starts the worker file the bundler wrote and its product on two
 * threads has the single-thread bits. Chromium as in packages/nn/test/browser-threads.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { buildSync } from 'esbuild';
import { launchChromium, type Browser } from '@ad/test-support/chromium';

const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'";
const fixtures = join(__dirname, 'fixtures');
const out = mkdtempSync(join(tmpdir(), 'ad-bundlers-page-'));
let browser: Browser | undefined;
let server: Server | undefined;
let origin = '';

beforeAll(async () => {
  const vite = spawnSync(process.execPath, [join(fixtures, 'vite-build.mjs'), join(out, 'vite')], { encoding: 'utf8', timeout: 120_000 });
  if (vite.status !== 0) throw new Error(`vite build failed: ${vite.stderr}`);
  buildSync({
    entryPoints: { app: join(fixtures, 'bundle-product.mjs'), 'pool-worker': '@ad/core/pool-worker' },
    absWorkingDir: __dirname,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    outdir: join(out, 'esbuild'),
  });
  writeFileSync(join(out, 'esbuild', 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./app.js"></script>\n');
  browser = await launchChromium();
  server = createServer((req, res) => {
    const path = normalize(join(out, (req.url ?? '/').split('?')[0]));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(out) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': extname(file) === '.js' ? 'text/javascript' : 'text/html',
      'content-security-policy': CSP,
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  rmSync(out, { recursive: true, force: true });
});

/** Opens a bundle's page and returns the report the program logs. */
async function report(dir: string): Promise<Record<string, unknown>> {
  const page = await (browser as Browser).context.newPage();
  const errors: string[] = [];
  const lines: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : lines.push(m.text())));
  await page.goto(`${origin}/${dir}/`);
  await page.waitForFunction(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== undefined);
  for (let i = 0; i < 600 && lines.length === 0 && errors.length === 0; i++) await page.waitForTimeout(50);
  await page.close();
  expect(errors).toEqual([]);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

test.each(['vite', 'esbuild'])('a page bundled by %s runs a product on two threads with the single-thread bits', async (dir) => {
  const r = await report(dir);
  expect([r.threads, r.workersReady, r.sameBits]).toEqual([2, 1, true]);
  expect(r.byWorkers).toBeGreaterThan(0);
});
