/**
 * The guide's structure, without building anything: every page shows at least one runnable
 * example or picture, every included snippet and region exists, every picture is one that
 * scripts/pictures.mjs draws with `ad`, and no TypeScript is written inline (all of it lives in
 * docs/examples/, where examples.test.ts runs it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const docs = join(__dirname, '..');
const guide = join(docs, 'guide');
const pages = readdirSync(guide)
  .filter((f) => f.endsWith('.md'))
  .sort();
const read = (file: string) => readFileSync(file, 'utf8');

/** `<<< @/path#region` includes of a page. */
const includes = (text: string) => [...text.matchAll(/^<<< @\/([^\s#{]+)(?:#([\w-]+))?/gm)].map((m) => ({ path: m[1], region: m[2] }));
/** `![alt](/pictures/name.svg)` pictures of a page. */
const pictures = (text: string) => [...text.matchAll(/!\[[^\]]*\]\(\/pictures\/([\w-]+)\.svg\)/g)].map((m) => m[1]);
/** The job names in scripts/pictures.mjs. */
const jobs = [...read(join(docs, 'scripts', 'pictures.mjs')).matchAll(/\{\s*name: '([\w-]+)'/g)].map((m) => m[1]);

test('the guide has its thirteen pages, numbered 01 to 13', () => {
  expect(pages).toHaveLength(13);
  expect(pages.map((p) => p.slice(0, 2))).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13']);
});

describe.each(pages)('%s', (page) => {
  const text = read(join(guide, page));

  test('has a title and at least one runnable example or picture', () => {
    expect(text).toMatch(/^# \d+\. \S/);
    const examples = includes(text).filter((i) => i.path.startsWith('examples/'));
    expect(examples.length + pictures(text).length).toBeGreaterThan(0);
  });

  test('every included file and region exists', () => {
    for (const { path, region } of includes(text)) {
      if (path.startsWith('generated/')) {
        expect(jobs).toContain(path.replace(/^generated\/|\.txt$/g, ''));
        continue;
      }
      const file = join(docs, path);
      expect(existsSync(file)).toBe(true);
      if (region) {
        const source = read(file);
        expect(source).toContain(`// #region ${region}\n`);
        expect(source).toContain(`// #endregion ${region}\n`);
      }
    }
  });

  test('every picture is drawn by scripts/pictures.mjs', () => {
    for (const name of pictures(text)) expect(jobs).toContain(name);
  });

  test('writes no TypeScript or JavaScript inline: code comes from docs/examples', () => {
    expect(text).not.toMatch(/^```(ts|typescript|js|javascript|mts|tsx)\b/m);
  });

  test('keeps math out of headings (the outline would show raw TeX)', () => {
    expect(text).not.toMatch(/^#+ .*\$/m);
  });

  test('states formulas one per line: no multi-line display math', () => {
    const blocks = text.match(/^\$\$[\s\S]*?\$\$$/gm) ?? [];
    for (const block of blocks) expect(block.split('\n')).toHaveLength(1);
    expect(text).not.toMatch(/^\$\$\s*$/m);
  });
});

test('every region of every example is shown in the guide', () => {
  const shown = new Set(pages.flatMap((p) => includes(read(join(guide, p))).map((i) => `${i.path}#${i.region ?? ''}`)));
  for (const file of readdirSync(join(docs, 'examples')).filter((f) => f.endsWith('.ts'))) {
    for (const [, region] of read(join(docs, 'examples', file)).matchAll(/\/\/ #region ([\w-]+)/g)) {
      expect(shown).toContain(`examples/${file}#${region}`);
    }
  }
});

test('every picture the build draws is used by a page', () => {
  const used = new Set(
    pages.flatMap((p) => [...pictures(read(join(guide, p))), ...includes(read(join(guide, p))).map((i) => i.path.replace(/^generated\/|\.txt$/g, ''))]),
  );
  for (const job of jobs) expect(used).toContain(job);
});
