/**
 * The site builds from the sources with one command, has every page, and no internal link,
 * picture or fragment is broken. `scripts/build.mjs site` builds the packages, draws the
 * pictures with `ad`, generates the API reference with TypeDoc (which fails on an undocumented
 * export or a broken {@link}) and runs VitePress (which fails on a dead link between pages).
 * The build takes most of a minute on two cores, so it runs once and the tests read its output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePlayground } from './playground-browser.js';
import { checkSite, type SiteReport } from './site-check.js';

const docs = join(__dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'ad-docs-site-'));
let log = '';
let seconds = 0;
let report: SiteReport;

beforeAll(async () => {
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(docs, 'scripts', 'build.mjs'), 'site', '--out', out], { cwd: docs });
    child.stdout.on('data', (d) => (log += String(d)));
    child.stderr.on('data', (d) => (log += String(d)));
    child.on('close', resolve);
  });
  seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`docs build failed (exit code ${code}):\n${log}`);
  report = checkSite(out);
}, 600_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const guidePages = readdirSync(join(docs, 'guide'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `/guide/${f.replace(/\.md$/, '')}`);
const packages = ['core', 'forward', 'reverse', 'jit', 'nn', 'cli', 'vmap', 'sparse'];

test('the build ran every stage', () => {
  console.log(
    `docs build: ${seconds.toFixed(1)} s\n${log
      .split('\n')
      .filter((l) => l.startsWith('docs:'))
      .join('\n')}`,
  );
  for (const stage of ['packages', 'pictures', 'API reference', 'site']) expect(log).toContain(`docs: ${stage}`);
});

test('every guide page, the home page, the error catalogue and the API reference exist', () => {
  expect(guidePages).toHaveLength(13);
  for (const page of ['/', ...guidePages, '/errors', '/playground', '/api/', ...packages.map((p) => `/api/@ad/${p}/`)]) {
    expect(report.pages).toContain(page);
  }
  expect(report.pages.filter((p) => p.startsWith('/api/')).length).toBeGreaterThan(100);
});

test('every internal link, picture and #fragment of every page resolves', () => {
  expect(report.links).toBeGreaterThan(1000);
  expect(report.broken).toEqual([]);
});

test.each(guidePages)('%s renders its math and shows a picture or an example', (page) => {
  const html = readFileSync(join(out, `${page}.html`), 'utf8');
  expect(html).toContain('class="katex"');
  expect(html).not.toContain('katex-error');
  expect(/<img [^>]*src="\/pictures\/[\w-]+\.svg"|<div class="language-ts/.test(html)).toBe(true);
});

test('the pictures were drawn by ad and copied into the site', () => {
  for (const name of ['graph', 'cost-graph', 'graph-seed-11', 'crossover', 'curves-moons']) {
    const svg = join(out, 'pictures', `${name}.svg`);
    expect(existsSync(svg)).toBe(true);
    expect(readFileSync(svg, 'utf8')).toMatch(/<svg[\s>]/);
  }
});

test('KaTeX fonts and styles are bundled (no network)', () => {
  const assets = readdirSync(join(out, 'assets'));
  expect(assets.some((f) => /^KaTeX_Main-Regular\..*\.woff2$/.test(f))).toBe(true);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  expect(html).not.toMatch(/<link[^>]+href="https?:/);
});

test('the playground is in the nav, and guide page 5 links to it for the seeds [1, 1]', () => {
  expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/<a [^>]*href="\/playground"/);
  expect(readFileSync(join(out, 'guide', '05-seeds.html'), 'utf8')).toContain('href="/playground?fn=(x%2By)*(x-y)&amp;at=x=3,y=2&amp;seed=1,1"');
  // The worker and Graphviz's WebAssembly are bundled with the site (no network).
  expect(readdirSync(join(out, 'assets')).some((f) => /^worker-.*\.js$/.test(f))).toBe(true);
});

describePlayground(() => out);
