// Builds the documentation site from a fresh clone, with nothing but Node and the installed
// packages (no network):
//   1. the packages (`tsc -b`), so that the `ad` command exists;
//   2. the pictures, drawn by `ad` (scripts/pictures.mjs);
//   3. the API reference, generated from the doc comments by TypeDoc into api/ — it fails on
//      an exported name without a doc comment and on a broken {@link};
//   4. the site, by VitePress, into .vitepress/dist (or --out DIR); it fails on a dead link.
// Usage: node docs/scripts/build.mjs [site|api|pictures|dev] [--out DIR]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawPictures } from './pictures.mjs';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(docs, '..');
const require = createRequire(join(docs, 'package.json'));

function run(label, command, args, cwd) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [command, ...args], { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`docs: ${label} failed (exit code ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  console.log(`docs: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function time(label, fn) {
  const started = Date.now();
  return Promise.resolve(fn()).then((value) => {
    console.log(`docs: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return value;
  });
}

const packages = () => run('packages (tsc -b)', createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc'), ['-b'], root);
const api = () => run('API reference (typedoc)', join(dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc'), ['--options', 'typedoc.json'], docs);
const pictures = () => time('pictures (ad)', () => drawPictures());

/**
 * One build at a time: every stage writes inside docs/ (pictures, generated/, api/, and
 * VitePress's fixed .vitepress/.temp), so two builds at once — a developer's and the test
 * suite's — would delete each other's files. The lock is a directory holding the owner's pid; a
 * lock whose owner is gone is taken over.
 */
function lock() {
  const dir = join(docs, '.vitepress', '.build-lock');
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(dir, { recursive: false });
      writeFileSync(join(dir, 'pid'), String(process.pid));
      const release = () => rmSync(dir, { recursive: true, force: true });
      process.on('exit', release);
      for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
      return release;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {}
      const alive = (() => {
        try {
          if (!Number.isInteger(owner) || owner <= 0) return false;
          process.kill(owner, 0); // signal 0: throws unless the process exists
          return true;
        } catch {
          return false;
        }
      })();
      if (!alive && Date.now() - started > 2000)
        rmSync(dir, { recursive: true, force: true }); // its owner died
      else if (Date.now() - started > 15 * 60_000) throw new Error(`docs: ${dir} has been held by pid ${owner} for 15 minutes`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
}

const args = process.argv.slice(2);
const task = args.find((a) => !a.startsWith('--')) ?? 'site';
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 ? resolve(args[outIndex + 1]) : undefined;

const unlock = lock();
if (task === 'api') {
  api();
} else if (task === 'pictures') {
  packages();
  await pictures();
} else if (task === 'site' || task === 'dev') {
  const started = Date.now();
  packages();
  await pictures();
  api();
  const vitepress = await import(require.resolve('vitepress'));
  if (task === 'dev') {
    unlock(); // the dev server writes nothing that a build reads
    const server = await vitepress.createServer(docs);
    await server.listen();
    server.printUrls();
  } else {
    await time('site (vitepress build)', () => vitepress.build(docs, outDir ? { outDir } : {}));
    console.log(`docs: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} else {
  console.error(`docs: unknown task ${task}; use site, api, pictures or dev`);
  process.exit(2);
}
