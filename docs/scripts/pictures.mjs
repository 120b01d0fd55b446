// Draws the guide's pictures with our own `ad` command (packages/cli/dist/bin.js, built by
// `tsc -b`) and keeps what each command printed, so that the pages show the real output:
//   public/pictures/<name>.svg   the picture (served as /pictures/<name>.svg)
//   generated/<name>.txt         "$ ad …" and the command's output (included by the pages)
// Usage: node docs/scripts/pictures.mjs
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(docs, '..', 'packages', 'cli', 'dist', 'bin.js');
const pictures = join(docs, 'public', 'pictures');
const generated = join(docs, 'generated');

/** Every picture of the guide: the `ad` arguments, and whether the command draws a picture. */
export const jobs = [
  // 2. the chain rule: the graph of f(x, y) = (x + y)(x − y)
  { name: 'graph', args: ['graph', '--fn', '(x+y)*(x-y)', '--at', 'x=3,y=2', '--out', 'graph.svg'] },
  // 3 and 4. the least-squares cost on two data points, with tangents (θ̇ = e₂) and adjoints
  {
    name: 'cost-graph',
    args: ['graph', '--fn', '(2.9 - (t0 + t1))^2 + (5.1 - (t0 + 2*t1))^2', '--at', 't0=1,t1=1', '--tangent', '0,1', '--out', 'cost-graph.svg'],
  },
  // 5. both seeds 1
  { name: 'graph-seed-11', args: ['graph', '--fn', '(x+y)*(x-y)', '--at', 'x=3,y=2', '--tangent', '1,1', '--out', 'graph-seed-11.svg'] },
  { name: 'compare-seeds', args: ['compare', '--fn', '(h+t)*(h-t)', '--at', 'h=3,t=2'], text: true },
  // 6. who should pay for the Jacobian
  { name: 'crossover', args: ['compare', '--family', 'tanh-layer', '--plot', 'crossover.svg'] },
  // 13. the colored pattern of a tridiagonal Jacobian
  { name: 'sparsity', args: ['compare', '--sparse', 'tridiagonal', '--n', '16', '--plot', 'sparsity.svg'] },
  // 11. source transformation: the trace and the compiled gradient
  { name: 'compile', args: ['compile', '--fn', '(x+y)*(x-y)', '--at', 'x=3,y=2'], text: true },
  // 7. learning curves
  { name: 'curves-moons', args: ['train', '--data', 'moons', '--plot', 'curves-moons.svg', '--out', 'moons.json'], remove: ['moons.json'] },
];

const quote = (arg) => (/^[\w.,=/-]+$/.test(arg) ? arg : `"${arg}"`);

/** Runs one job: the command inside public/pictures, so that its output names files as a user sees them. */
function draw(job) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    execFile(process.execPath, [bin, ...job.args], { cwd: pictures, encoding: 'utf8', maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`pictures: ad ${job.args.join(' ')} failed: ${stderr || err.message}`));
      for (const file of job.remove ?? []) rmSync(join(pictures, file), { force: true });
      writeFileSync(join(generated, `${job.name}.txt`), `$ ad ${job.args.map(quote).join(' ')}\n${stdout}`);
      if (!job.text && !existsSync(join(pictures, `${job.name}.svg`))) return reject(new Error(`pictures: ad ${job.args.join(' ')} drew no ${job.name}.svg`));
      resolve(Date.now() - started);
    });
  });
}

/** Draws every picture, two commands at a time. */
export async function drawPictures({ quiet = false } = {}) {
  if (!existsSync(bin)) throw new Error(`pictures: ${bin} is missing; build the packages first (npx tsc -b)`);
  mkdirSync(pictures, { recursive: true });
  mkdirSync(generated, { recursive: true });
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const ms = await draw(job);
      if (!quiet) console.log(`pictures: ${job.name} (${ms} ms)`);
    }
  };
  await Promise.all([worker(), worker()]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await drawPictures();
