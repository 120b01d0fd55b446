/**
 * Runs the built `ad` command as a child process, as a user would. The build is brought up to
 * date once (under a lock, since jest runs test files in parallel workers) when the sources are
 * newer than it, so `npx jest packages/cli` works without a prior `tsc -b`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE = resolve(__dirname, '..');
const ROOT = resolve(PACKAGE, '../..');
export const BIN = join(PACKAGE, 'dist', 'bin.js');

function newestSource(): number {
  return Math.max(...readdirSync(join(PACKAGE, 'src')).map((f) => statSync(join(PACKAGE, 'src', f)).mtimeMs));
}

function stale(): boolean {
  const info = join(PACKAGE, '.tsbuildinfo');
  return !existsSync(BIN) || !existsSync(info) || statSync(info).mtimeMs < newestSource();
}

/** Builds packages/cli (and what it references) if its sources changed since the last build. */
export function ensureBuilt(): void {
  if (!stale()) return;
  const lock = join(tmpdir(), 'ad-cli-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (!existsSync(lock) && !stale()) return;
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmdirSync(lock);
  }
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ad …args` in `cwd`; resolves when it exits (so independent runs can overlap). */
export function ad(args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** A fresh empty directory for one test's files. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'ad-cli-'));
}

/**
 * A well-formedness check of an SVG document: one <svg> root, every tag closed in order.
 * Enough to catch a truncated or garbled file without an XML library.
 */
export function checkSvg(text: string): void {
  const body = text
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!DOCTYPE[^>[]*(\[[^\]]*\])?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')
    .trim();
  if (!body.startsWith('<svg')) throw new Error(`not an SVG document: starts with ${JSON.stringify(body.slice(0, 40))}`);
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else stack.push(name);
  }
  if (stack.length > 0) throw new Error(`unclosed tags: ${stack.join(' ')}`);
  if (!body.endsWith('</svg>')) throw new Error('the document does not end with </svg>');
}
