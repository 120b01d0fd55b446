/**
 * A small ht log for the protocol test. The eval's smallest input (hand1 of the small model, 100
 * correspondences, 544 vertices) is ~150 KB per message and the Jacobian ~90 KB, so a fixture of
 * both variants would be ~800 KB. This keeps the first `count` correspondences of each evaluate
 * message and the part of the model they touch (their vertices, reindexed; for the complicated
 * variant their triangles), and asks the C++ `manual` tool — the eval's own validator — for the
 * expected outputs of the trimmed inputs. The result is a harness log for record-fixtures.ts:
 *
 *   EVAL_ARGS="--max 1 --model small" run.sh ht manual /tmp/ht-c
 *   EVAL_ARGS="--max 1 --model small --variant simple" run.sh ht manual /tmp/ht-s
 *   npx tsx bench/gradbench/scripts/trim-ht.ts 12 /tmp/ht-c/log.jsonl /tmp/ht-s/log.jsonl > /tmp/ht-trimmed.jsonl
 *   npx tsx bench/gradbench/scripts/record-fixtures.ts /tmp/ht-trimmed.jsonl > bench/gradbench/test/fixtures/ht.jsonl
 *
 * The manual tool's binary is found under GRADBENCH_WORK (default $TMPDIR/gradbench-harness).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface HtInput {
  theta: number[];
  us: number[][];
  data: {
    model: { base_positions: number[][]; weights: number[][]; triangles: number[][] } & Record<string, unknown>;
    correspondences: number[];
    points: number[][];
  };
  min_runs: number;
  min_seconds: number;
}

const [countArg, ...logs] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1 || logs.length === 0) {
  process.stderr.write('usage: trim-ht.ts COUNT LOG.jsonl...\n');
  process.exit(64);
}
const work = process.env.GRADBENCH_WORK ?? join(process.env.TMPDIR ?? tmpdir(), 'gradbench-harness');
const manual = join(work, 'upstream', 'tools', 'manual', 'bin', 'ht');

/** The first `count` correspondences and the model restricted to what they touch. */
function trim(input: HtInput): HtInput {
  const { model, correspondences, points } = input.data;
  const complicated = input.us.length > 0;
  const kept = correspondences.slice(0, count);
  const triangles = complicated ? [...new Set(kept)] : [];
  const vertices = complicated ? [...new Set(triangles.flatMap((t) => model.triangles[t]))] : [...new Set(kept)];
  const vertexAt = new Map(vertices.map((v, i) => [v, i]));
  const triangleAt = new Map(triangles.map((t, i) => [t, i]));
  return {
    ...input,
    us: input.us.slice(0, count),
    data: {
      model: {
        ...model,
        base_positions: vertices.map((v) => model.base_positions[v]),
        weights: vertices.map((v) => model.weights[v]),
        triangles: complicated ? triangles.map((t) => model.triangles[t].map((v) => vertexAt.get(v) as number)) : [],
      },
      correspondences: kept.map((x) => (complicated ? triangleAt.get(x) : vertexAt.get(x)) as number),
      points: points.slice(0, count),
    },
  };
}

/** The manual tool's output for one function, as cpp.py's `evaluate` runs it. */
function expected(input: HtInput, fn: string): unknown {
  const file = join(tmpdir(), `trim-ht-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ ...input, min_runs: 1, min_seconds: 0 }));
  try {
    return JSON.parse(execFileSync(manual, [file, fn], { encoding: 'utf8' }).split('\n')[0]);
  } finally {
    rmSync(file);
  }
}

let id = 0;
const write = (entry: object) => process.stdout.write(`${JSON.stringify(entry)}\n`);
write({ message: { id, kind: 'start', eval: 'ht' } });
write({ response: { id: id++, tool: 'manual' } });
write({ message: { id, kind: 'define', module: 'ht' } });
write({ response: { id: id++, success: true } });
for (const log of logs) {
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line === '') continue;
    const message = (JSON.parse(line) as { message?: { kind: string; function: string; input: HtInput; description: string } }).message;
    if (message?.kind !== 'evaluate') continue;
    const input = trim(message.input);
    write({ message: { ...message, id, input } });
    write({ response: { id: id++, success: true, output: expected(input, message.function) } });
  }
}
