/**
 * The *.generated.ts files hold exactly what the generator renders now from the op table and the
 * templates (run `pnpm generate` after changing either): the kernels and fast paths keyed by op
 * name, the free functions and the methods' declarations. What it renders depends on the
 * built-in table and the templates alone, not on which packages were loaded or which ops
 * were registered before it ran.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { elementwise, registerOp } from '@ad/core';
import { generatedFiles } from '../../../scripts/generate-code.js';

const ROOT = join(__dirname, '..', '..', '..');

const files = generatedFiles();

test.each([...files])('%s is up to date (`pnpm generate` rewrites it)', (file, text) => {
  expect(readFileSync(join(ROOT, file), 'utf8')).toBe(text);
});

test('the output depends on the table alone: loading every package and registering an op changes nothing', async () => {
  await import('@ad/forward');
  await import('@ad/reverse');
  await import('@ad/jit');
  await import('@ad/nn');
  registerOp(elementwise({ name: 'generatedTestCube', inputs: ['x'], expr: 'x * x * x', partials: [(o, [x]) => o.mul(o.square(x), 3)] }));
  expect(generatedFiles()).toEqual(files);
});
