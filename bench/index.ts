/**
 * `pnpm bench <name>` runs bench/<name>.ts. Each benchmark prints its own table; they compare
 * @ad with TensorFlow.js in the same process so the ratios are measured under the same load.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (name === undefined || !available.includes(name)) {
  process.stderr.write(`bench: ${name === undefined ? 'no benchmark named' : `unknown benchmark "${name}"`}; ` + `choose one of: ${available.join(', ')}\n`);
  process.exit(2);
}
await import(pathToFileURL(`${here}/${name}.ts`).href);
