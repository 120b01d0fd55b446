// The site: the guide (guide/*.md) and the API reference that TypeDoc writes into api/ from the
// packages' doc comments. Math is rendered at build time by KaTeX; the pictures in
// public/pictures/ are drawn by our own `ad` command (scripts/pictures.mjs) before the build.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import katexModule from '@vscode/markdown-it-katex';
import { defineConfig, type DefaultTheme } from 'vitepress';

// The plugin is CommonJS with `exports.default`: Node hands us the exports object.
const markdownItKatex = (katexModule as unknown as { default: typeof katexModule }).default ?? katexModule;

const docs = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The guide's pages in order, titled by their first heading. */
function guideSidebar(): DefaultTheme.SidebarItem[] {
  return readdirSync(join(docs, 'guide'))
    .filter((file) => /^\d\d-.*\.md$/.test(file))
    .sort()
    .map((file) => ({ text: title(join(docs, 'guide', file)), link: `/guide/${file.replace(/\.md$/, '')}` }));
}

/** The packages of the generated reference (api/@ad/<name>/). */
function apiPackages(): string[] {
  const root = join(docs, 'api', '@ad');
  return existsSync(root) ? readdirSync(root).sort() : [];
}

/**
 * The sidebar of one package's reference pages: its classes, functions, … by kind, and the
 * other packages. (One sidebar per package keeps each page small: a sidebar of all ~250 API
 * pages made every page of the reference 150 kB.)
 */
function apiSidebar(pkg: string): DefaultTheme.SidebarItem[] {
  const dir = join(docs, 'api', '@ad', pkg);
  const kinds = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((kind) => ({
      text: kind.name.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase()),
      collapsed: kind.name !== 'classes' && kind.name !== 'functions',
      items: readdirSync(join(dir, kind.name))
        .filter((file) => file.endsWith('.md'))
        .sort()
        .map((file) => ({ text: file.replace(/\.md$/, ''), link: `/api/@ad/${pkg}/${kind.name}/${file.replace(/\.md$/, '')}` })),
    }));
  return [
    { text: `@ad/${pkg}`, link: `/api/@ad/${pkg}/`, items: kinds },
    {
      text: 'Other packages',
      collapsed: true,
      items: apiPackages()
        .filter((p) => p !== pkg)
        .map((p) => ({ text: `@ad/${p}`, link: `/api/@ad/${p}/` })),
    },
  ];
}

function title(file: string): string {
  const heading = /^# (.+)$/m.exec(readFileSync(file, 'utf8'));
  return heading ? heading[1].replace(/^\d+\.\s*/, '') : file;
}

// KaTeX writes MathML next to its HTML; Vue must leave those tags alone.
const mathTags = new Set(
  'math annotation semantics mi mn mo mrow msup msub msubsup mfrac msqrt mroot mover munder munderover mtext mspace mtable mtr mtd mstyle mpadded mphantom menclose'.split(
    ' ',
  ),
);

// Prose may name a placeholder such as `<tmp>` or `<dir>` outside a code span (docs/errors.md,
// generated from the tests' error messages, does). VitePress compiles each page as a Vue
// template, where an unknown tag that is never closed is a syntax error that fails the build.
// Inline "tags" that are not HTML, SVG or MathML elements (and not custom elements, which have
// a hyphen, nor Vue components, which are capitalised) are shown as the text they are.
const htmlTags = new Set(
  (
    'a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption cite code col colgroup data ' +
    'datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header ' +
    'hgroup hr html i iframe img input ins kbd label legend li link main map mark menu meta meter nav noscript object ol optgroup ' +
    'option output p param picture pre progress q rp rt ruby s samp script section select slot small source span strong style sub ' +
    'summary sup table tbody td template textarea tfoot th thead time title tr track u ul var video wbr svg path g rect circle line ' +
    'polyline polygon text tspan defs use'
  ).split(' '),
);

function literalPlaceholders(md: Parameters<NonNullable<NonNullable<Parameters<typeof defineConfig>[0]['markdown']>['config']>>[0]): void {
  md.core.ruler.push('literal_placeholders', (state) => {
    for (const block of state.tokens) {
      for (const token of block.children ?? []) {
        const tag = token.type === 'html_inline' ? /^<\/?([a-z][a-z0-9]*)[\s/>]/.exec(token.content)?.[1] : undefined;
        if (tag !== undefined && !htmlTags.has(tag) && !mathTags.has(tag)) token.type = 'text';
      }
    }
  });
}

export default defineConfig({
  title: '@ad',
  description: 'Algorithmic differentiation in TypeScript: forward mode, reverse mode, and small neural networks.',
  cleanUrls: true,
  lastUpdated: false,
  srcExclude: ['**/node_modules/**', 'test/**', 'examples/**', 'scripts/**', 'playground/**'],
  markdown: {
    config: (md) => {
      md.use(markdownItKatex, { throwOnError: true });
      md.use(literalPlaceholders);
    },
  },
  vite: {
    // The largest chunk is the local search index, which holds the whole API reference (~1 MB).
    build: { chunkSizeWarningLimit: 1500 },
    // The playground's worker (playground/worker.ts) loads Graphviz on demand: a split chunk,
    // which only module workers can have.
    worker: { format: 'es' },
  },
  vue: {
    template: { compilerOptions: { isCustomElement: (tag) => mathTags.has(tag) } },
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/01-gradient-descent' },
      { text: 'Playground', link: '/playground' },
      { text: 'API', link: '/api/' },
      { text: 'Errors', link: '/errors' },
    ],
    sidebar: {
      '/guide/': [{ text: 'Guide', items: [...guideSidebar(), { text: 'Playground', link: '/playground' }] }],
      ...Object.fromEntries(apiPackages().map((pkg) => [`/api/@ad/${pkg}/`, apiSidebar(pkg)])),
      '/api/': [{ text: 'API reference', link: '/api/', items: apiPackages().map((pkg) => ({ text: `@ad/${pkg}`, link: `/api/@ad/${pkg}/` })) }],
    },
    search: { provider: 'local' },
    outline: [2, 3],
  },
});
