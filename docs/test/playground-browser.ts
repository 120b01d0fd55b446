/**
 * The playground (/playground) in real Chromium, on a built site: it opens from a shared URL
 * with that function, point and seed, shows the Jacobian both ways and the tangent, follows
 * what the reader types, shows the `ad` command's message under a field with bad input, and
 * stops a function that runs past the time limit. Served under a Content-Security-Policy that
 * forbids eval (VitePress's own inline scripts allowed), so @ad runs without generating code and
 * jit's program is still shown. A screenshot is kept in docs/test/artifacts/playground.png.
 *
 * Registered by site.test.ts, which builds the site once for all its checks.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type Browser } from '@ad/test-support/chromium';
import { serveStatic, type StaticServer } from './static-server.js';

export const PLAYGROUND_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:";

/** What the page functions use of the page's globals (the tests' types have no DOM). */
interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
}

const ARTIFACTS = join(__dirname, 'artifacts');

export function describePlayground(dist: () => string): void {
  describe('the playground in Chromium', () => {
    let browser: Browser;
    let server: StaticServer;
    let page: Page;
    const errors: string[] = [];

    beforeAll(async () => {
      server = await serveStatic(dist(), PLAYGROUND_CSP);
      browser = await launchChromium();
      page = await browser.context.newPage();
      page.on('pageerror', (e) => errors.push(String(e)));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    const text = (name: string) => page.locator(`[data-result="${name}"]`).textContent();
    /** Waits until a result's text is the JSON of `want`. */
    const waitFor = (name: string, want: unknown) =>
      page.waitForFunction(
        ([n, json]) => (globalThis as unknown as PageGlobals).document.querySelector(`[data-result="${n}"]`)?.textContent === json,
        [name, JSON.stringify(want)] as const,
        {
          timeout: 30_000,
        },
      );

    test('opens /playground?fn=(x%2By)*(x-y)&at=x=3,y=2&seed=1,1 with J = [[6,-4]] both ways and the tangent 2', async () => {
      await page.goto(`${server.origin}/playground?fn=(x%2By)*(x-y)&at=x=3,y=2&seed=1,1`);
      await waitFor('jacobian-forward', [[6, -4]]);
      expect(await page.locator('#pg-fn').inputValue()).toBe('(x+y)*(x-y)');
      expect(JSON.parse((await text('jacobian-reverse'))!)).toEqual([[6, -4]]);
      expect(JSON.parse((await text('tangent'))!)).toBe(2);
      expect(JSON.parse((await text('value'))!)).toBe(5);
      expect(JSON.parse((await text('adjoint'))!)).toEqual([6, -4]);
      // The Wengert list: x, y, x + y, x − y, their product.
      expect(await page.locator('[data-result="wengert"] tbody tr').count()).toBe(5);
      // The graph, drawn by Graphviz in the worker, labels nodes with values and dots.
      await page.locator('.graph svg').waitFor({ timeout: 30_000 });
      expect(await page.locator('.graph svg').textContent()).toContain('dot 2');
      await page.getByLabel('reverse: adjoints').check();
      expect(await page.locator('.graph svg').textContent()).toContain('bar -4');
      expect(page.url()).toContain('view=reverse');
      // Under a CSP without 'unsafe-eval', jit cannot compile, yet the program is shown.
      expect(await text('program')).toMatch(/return \[/);
      expect(await page.locator('.ad-playground .note', { hasText: 'forbids generating code' }).count()).toBe(1);
      // One tall viewport, so the screenshot shows the page as laid out (the sticky nav at the top).
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.setViewportSize({ width: 1280, height: 2900 });
      await page.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 720 });
      expect(errors).toEqual([]);
    });

    test('follows what the reader types: a new function gives new results and a new URL', async () => {
      await page.locator('#pg-fn').fill('sin(x)*y');
      await page.waitForFunction(
        () => (globalThis as unknown as PageGlobals).document.querySelector('[data-result="jacobian-forward"]')?.textContent !== '[[6,-4]]',
        undefined,
        { timeout: 30_000 },
      );
      const [[dx, dy]] = JSON.parse((await text('jacobian-forward'))!) as number[][];
      expect(dx).toBeCloseTo(Math.cos(3) * 2, 14);
      expect(dy).toBeCloseTo(Math.sin(3), 14);
      expect(JSON.parse((await text('jacobian-reverse'))!)[0][0]).toBeCloseTo(Math.cos(3) * 2, 14);
      // ẋ = (1, 1): ẏ = 2 cos 3 + sin 3.
      expect(JSON.parse((await text('tangent'))!)).toBeCloseTo(2 * Math.cos(3) + Math.sin(3), 14);
      expect(decodeURIComponent(page.url())).toContain('fn=sin(x)*y');
      expect(errors).toEqual([]);
    });

    test('a syntax error, or a variable the point lacks, shows its message under its field', async () => {
      await page.locator('#pg-fn').fill('(x+');
      const fnError = page.locator('[data-error="fn"]');
      await fnError.waitFor({ timeout: 30_000 });
      expect(await fnError.textContent()).toBe('cannot parse f "(x+": Unexpected end of expression (char 4)');
      await page.locator('#pg-fn').fill('x*z');
      const atError = page.locator('[data-error="at"]');
      await atError.waitFor({ timeout: 30_000 });
      expect(await atError.textContent()).toBe('"x*z" uses z, which the point does not give; add z=… to the point');
      expect(await fnError.count()).toBe(0);
      expect(errors).toEqual([]);
    });

    test('where the page allows generating code, jit compiles and the adjoint program names each adjoint after its primal', async () => {
      const open = await serveStatic(dist());
      try {
        const plain = await browser.context.newPage();
        plain.on('pageerror', (e) => errors.push(String(e)));
        await plain.goto(`${open.origin}/playground?fn=(x%2By)*(x-y)&at=x=3,y=2&seed=1,1`);
        const program = plain.locator('[data-result="program"]');
        await program.waitFor({ timeout: 30_000 });
        expect(await program.textContent()).toContain('const v0_bar = v2 + v3;');
        expect(await plain.locator('[data-result="jacobian-reverse"]').textContent()).toBe('[[6,-4]]');
        await plain.close();
      } finally {
        await open.close();
      }
      expect(errors).toEqual([]);
    });

    test('a function that runs past the time limit is stopped, and says so', async () => {
      const fn = encodeURIComponent(`${'sin(x)*'.repeat(300)}x`);
      await page.goto(`${server.origin}/playground?fn=${fn}&at=x=1&limit=1`);
      const stopped = page.locator('[data-error="stopped"]');
      await stopped.waitFor({ timeout: 30_000 });
      expect(await stopped.textContent()).toBe('stopped: evaluating this function took longer than the time limit of 1 ms');
      expect(errors).toEqual([]);
    });
  });
}
