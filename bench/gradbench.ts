/**
 * `pnpm bench gradbench [EVAL…] [--run] [--runs DIR] [--tools ad,manual,pytorch]`: the GradBench
 * evals side by side — per eval and input, each tool's objective and derivative time and their
 * ratio — read from the summaries the harness in ../shared/gradbench writes (`run.sh EVAL TOOL
 * OUTDIR` leaves OUTDIR/summary.json). Runs are looked up as DIR/EVAL-TOOL (DIR defaults to
 * $GRADBENCH_RUNS, else $TMPDIR/gradbench-runs, where run.sh writes); `--run` first runs the
 * harness for each eval and tool into those folders ($GRADBENCH_HARNESS names run.sh, default
 * ../shared/gradbench/run.sh beside the repository; `ad` is this repository's tool).
 *
 * Times are the mean of each message's `evaluate` timings, as upstream's scorer reads them; the
 * ratio is derivative ÷ objective of the fastest runs (their minima), which is what the issue's
 * caps are stated in and what a busy machine disturbs least.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printTable } from './_timing.js';

/** Each eval's objective and derivative functions, as upstream scores them. */
const EVALS: Readonly<Record<string, readonly string[]>> = {
  hello: ['square', 'double'],
  lse: ['primal', 'gradient'],
  llsq: ['primal', 'gradient'],
  det: ['primal', 'gradient'],
  ode: ['primal', 'gradient'],
  kmeans: ['cost', 'dir'],
  gmm: ['objective', 'jacobian'],
  lstm: ['objective', 'jacobian'],
  ba: ['objective', 'jacobian'],
  ht: ['objective', 'jacobian'],
  particle: ['rr', 'ff', 'fr', 'rf'],
  saddle: ['rr', 'ff', 'fr', 'rf'],
};

interface Evaluation {
  function: string;
  description: string | null;
  success: boolean;
  evaluate_mean_ns: number | null;
  evaluate_min_ns: number | null;
  valid: boolean | null;
}

interface Summary {
  outcome: string;
  evaluations: Evaluation[];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  args: process.argv.slice(3),
  allowPositionals: true,
  options: {
    run: { type: 'boolean', default: false },
    runs: { type: 'string', default: process.env.GRADBENCH_RUNS ?? join(process.env.TMPDIR ?? '/tmp', 'gradbench-runs') },
    tools: { type: 'string', default: 'ad,manual,pytorch' },
  },
});
const evals = positionals.length > 0 ? positionals : Object.keys(EVALS);
for (const e of evals) {
  if (!Object.hasOwn(EVALS, e)) {
    process.stderr.write(`bench gradbench: no eval named "${e}"; choose from ${Object.keys(EVALS).join(', ')}\n`);
    process.exit(2);
  }
}
const tools = values.tools.split(',');

if (values.run) {
  const harness = process.env.GRADBENCH_HARNESS ?? resolve(root, '..', 'shared', 'gradbench', 'run.sh');
  if (!existsSync(harness)) {
    process.stderr.write(`bench gradbench: --run needs the harness; ${harness} does not exist (set GRADBENCH_HARNESS to its run.sh)\n`);
    process.exit(2);
  }
  for (const e of evals) {
    for (const tool of tools) {
      const command = tool === 'ad' ? `cd ${root} && npx --yes pnpm@10.34.9 --silent gradbench` : tool;
      process.stderr.write(`bench gradbench: ${e} with ${tool}\n`);
      try {
        execFileSync(harness, [e, command, join(values.runs, `${e}-${tool}`)], { stdio: ['ignore', 'ignore', 'inherit'] });
      } catch {
        process.stderr.write(`bench gradbench: ${e} with ${tool} did not succeed; its summary says why\n`);
      }
    }
  }
}

function summary(e: string, tool: string): Summary | undefined {
  const path = join(values.runs, `${e}-${tool}`, 'summary.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Summary) : undefined;
}

const ms = (ns: number | null | undefined) => (ns == null ? '—' : ns >= 1e8 ? (ns / 1e6).toFixed(0) : (ns / 1e6).toPrecision(3));
const verdict = (x: Evaluation | undefined) => (x === undefined ? '' : !x.success ? ' (failed)' : x.valid === false ? ' (invalid)' : '');

for (const e of evals) {
  const functions = EVALS[e];
  const found = tools.map((tool) => [tool, summary(e, tool)] as const).filter((x): x is readonly [string, Summary] => x[1] !== undefined);
  console.log(`\n## ${e}`);
  if (found.length === 0) {
    console.log(`no runs in ${values.runs}/${e}-{${tools.join(',')}}`);
    continue;
  }
  const inputs = [...new Set(found.flatMap(([, s]) => s.evaluations.map((x) => x.description ?? '')))];
  const find = (s: Summary, input: string, f: string) => s.evaluations.find((x) => (x.description ?? '') === input && x.function === f);
  const scored = e !== 'hello' && functions.length === 2;
  const header = ['input'];
  for (const [tool] of found) {
    if (scored) header.push(`${tool} ${functions[0]} ms`, `${tool} ${functions[1]} ms`, `${tool} ratio`);
    else header.push(...functions.map((f) => `${tool} ${f} ms`));
  }
  if (scored && found.length > 1 && found[0][0] === 'ad') header.push(...found.slice(1).map(([tool]) => `ad ÷ ${tool} (${functions[1]})`));
  const rows = inputs.map((input) => {
    const row = [input];
    const derivative: (number | null)[] = [];
    for (const [, s] of found) {
      const xs = functions.map((f) => find(s, input, f));
      if (scored) {
        const [p, d] = xs;
        const ratio = p?.evaluate_min_ns && d?.evaluate_min_ns ? (d.evaluate_min_ns / p.evaluate_min_ns).toFixed(2) : '—';
        row.push(ms(p?.evaluate_mean_ns) + verdict(p), ms(d?.evaluate_mean_ns) + verdict(d), ratio);
        derivative.push(d?.success ? d.evaluate_mean_ns : null);
      } else row.push(...xs.map((x) => ms(x?.evaluate_mean_ns) + verdict(x)));
    }
    if (scored && found.length > 1 && found[0][0] === 'ad') {
      for (const other of derivative.slice(1)) row.push(derivative[0] != null && other != null ? `${(derivative[0] / other).toFixed(2)}×` : '—');
    }
    return row;
  });
  printTable(header, rows);
  for (const [tool, s] of found) {
    const invalid = s.evaluations.filter((x) => !x.success || x.valid === false).length;
    console.log(`${tool}: ${s.outcome}, ${s.evaluations.length} evaluations, ${invalid} failed or invalid`);
  }
}
