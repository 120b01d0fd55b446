/**
 * The built package works for both kinds of user: an ES module importing '@ad/core' and a
 * CommonJS script requiring it. Runs node on the compiled dist/, so `tsc -b` must run first
 * (the test command does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const pkg = join(__dirname, '..');

describe('built package consumers', () => {
  beforeAll(() => {
    if (!existsSync(join(pkg, 'dist', 'index.js'))) {
      throw new Error('packages/core/dist is missing: build first with `tsc -b` (the test script does)');
    }
  });

  test.each(['consumer.mjs', 'consumer.cjs'])('%s', (file) => {
    const run = spawnSync(process.execPath, [join(__dirname, 'fixtures', file)], { cwd: pkg, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { kind: string; value: number; sum: number };
    expect(out.value).toBe(11);
    expect(out.sum).toBe(6);
  });
});
