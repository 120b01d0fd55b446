/**
 * The API reference build refuses an exported name without a doc comment and a broken
 * {@link}: TypeDoc runs with the options of docs/typedoc.json on a small module that has one of
 * each, and must fail naming both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const docs = join(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'ad-docs-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('TypeDoc, configured as for docs/api, fails on an undocumented export and on a broken link', () => {
  const options = JSON.parse(readFileSync(join(docs, 'typedoc.json'), 'utf8'));
  delete options.extends; // the list of names still waiting for a comment belongs to the real packages
  Object.assign(options, {
    entryPoints: [join(__dirname, 'fixtures', 'undocumented.ts')],
    tsconfig: join(dir, 'tsconfig.json'),
    out: join(dir, 'api'),
    plugin: options.plugin.map((p: string) => (p.startsWith('.') ? join(docs, p) : p)),
    packagesRequiringDocumentation: ['@ad/docs'], // the fixture lives in the @ad/docs package
  });
  writeFileSync(join(dir, 'typedoc.json'), JSON.stringify(options));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(docs, '..', 'tsconfig.base.json'),
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, types: [] },
      files: [join(__dirname, 'fixtures', 'undocumented.ts')],
    }),
  );
  const typedoc = join(dirname(require.resolve('typedoc/package.json', { paths: [docs] })), 'bin', 'typedoc');
  const run = spawnSync(process.execPath, [typedoc, '--options', join(dir, 'typedoc.json')], { cwd: docs, encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status).not.toBe(0);
  expect(output).toMatch(/undocumented \(CallSignature\).*does not have any documentation/);
  expect(output).toMatch(/Failed to resolve link to "NoSuchName"/);
  expect(output).not.toMatch(/\bdocumented \(CallSignature\)/);
}, 120_000);
