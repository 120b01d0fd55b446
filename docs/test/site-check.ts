/**
 * Checks a built site (VitePress's output directory): the pages it must have, and that every
 * internal link, picture, script and stylesheet of every page resolves — to a file, and for a
 * link with a #fragment, to an element with that id.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

export interface SiteReport {
  pages: string[]; // URL paths of every HTML page, e.g. /guide/01-gradient-descent
  links: number; // internal references checked
  broken: string[]; // "page → reference (why)"
}

/** Every .html file under dir, as paths relative to it with forward slashes. */
function htmlFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return htmlFiles(dir, rel);
    return entry.name.endsWith('.html') ? [rel] : [];
  });
}

/** The URL path a file is served at with clean URLs: guide/x.html → /guide/x, a/index.html → /a/. */
export function urlOf(file: string): string {
  if (file === 'index.html') return '/';
  if (file.endsWith('/index.html')) return `/${file.slice(0, -'index.html'.length)}`;
  return `/${file.replace(/\.html$/, '')}`;
}

/** The file a URL path is served from, or undefined. */
function fileFor(dist: string, path: string): string | undefined {
  const clean = decodeURIComponent(path).replace(/^\//, '');
  const candidates = clean === '' || clean.endsWith('/') ? [`${clean}index.html`] : [clean, `${clean}.html`, `${clean}/index.html`];
  return candidates.map((c) => join(dist, ...c.split('/'))).find((f) => existsSync(f) && statSync(f).isFile());
}

const ids = new Map<string, Set<string>>();
function idsOf(file: string): Set<string> {
  let set = ids.get(file);
  if (!set) {
    set = new Set([...readFileSync(file, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((m) => decodeEntities(m[1])));
    ids.set(file, set);
  }
  return set;
}

const decodeEntities = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)));

export function checkSite(dist: string): SiteReport {
  const files = htmlFiles(dist);
  const report: SiteReport = { pages: files.map(urlOf).sort(), links: 0, broken: [] };
  for (const file of files) {
    const html = readFileSync(join(dist, ...file.split('/')), 'utf8');
    const base = urlOf(file);
    for (const [, attr, raw] of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      const ref = decodeEntities(raw);
      if (/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(ref)) continue; // http:, mailto:, data:, //host: not ours
      if (attr === 'href' && ref === '') continue;
      report.links++;
      const [pathPart, fragment] = ref.split('#', 2) as [string, string | undefined];
      const path =
        pathPart === '' ? base : posix.resolve(base.endsWith('/') ? base : posix.dirname(base), pathPart.split('?')[0]) + (pathPart.endsWith('/') ? '/' : '');
      const target = fileFor(dist, path);
      if (!target) {
        report.broken.push(`${base} → ${ref} (no such page or file)`);
        continue;
      }
      if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) {
        report.broken.push(`${base} → ${ref} (no element with id "${fragment}" in ${relative(dist, target).split(sep).join('/')})`);
      }
    }
  }
  return report;
}
