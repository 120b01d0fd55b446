/**
 * The generated.ts files hold exactly the code the op table and the templates produce now
 * (run `pnpm generate` after changing either), so nothing is left to eval at run time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFiles } from '../../../scripts/generate-code.js';

const ROOT = join(__dirname, '..', '..', '..');

test.each([...generatedFiles()])('%s is up to date (`pnpm generate` rewrites it)', (file, text) => {
  expect(readFileSync(join(ROOT, file), 'utf8')).toBe(text);
});
