/**
 * A static server for a built site, on a free port of 127.0.0.1: clean URLs as VitePress
 * writes them (/playground → playground.html), and every response under one
 * Content-Security-Policy when one is given, so the page is tested as a strict host would serve it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export async function serveStatic(dir: string, csp?: string): Promise<StaticServer> {
  const fileFor = (url: string): string | undefined => {
    const path = normalize(decodeURIComponent(url.split('?')[0])).replace(/^([/\\])+/, '');
    if (path.split(sep).includes('..')) return undefined;
    const candidates = path === '' || path.endsWith(sep) ? [join(path, 'index.html')] : [path, `${path}.html`, join(path, 'index.html')];
    return candidates.map((c) => join(dir, c)).find((f) => existsSync(f) && statSync(f).isFile());
  };
  const server = createServer((req, res) => {
    const file = fileFor(req.url ?? '/');
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      ...(csp === undefined ? {} : { 'content-security-policy': csp }),
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
