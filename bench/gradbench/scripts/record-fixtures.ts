/**
 * Turns a harness log (`run.sh EVAL manual OUTDIR` writes OUTDIR/log.jsonl) into a test fixture:
 * one line per exchange, `{ message, response }`, with the response's timings dropped (a
 * `min_seconds` run of the C++ tool logs hundreds of thousands). The protocol test replays the
 * messages through our handler and compares our outputs with the recorded ones.
 *
 *   npx tsx bench/gradbench/scripts/record-fixtures.ts LOG.jsonl > bench/gradbench/test/fixtures/EVAL.jsonl
 *
 * particle and saddle have no manual tool: their fixtures are the exchanges of upstream's C++
 * `finite` tool (`run.sh particle 'python3 python/gradbench/gradbench/cpp.py finite' OUTDIR`),
 * whose outputs the evals validated and which match the evals' expected values within 1e-4
 * (particle 0.20719187436417114 against 0.2071918746486116; saddle 8.2463248261e-06 each).
 * particle's eval has no smaller input, and one of its solves takes seconds under jest, so its
 * fixture keeps start, define and the `fr` exchange (the fastest order; the four orders'
 * derivatives are compared in test/nested.test.ts, and all four are validated by the real eval).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: record-fixtures.ts LOG.jsonl\n');
  process.exit(64);
}
let message: unknown = null;
for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })) {
  const entry = JSON.parse(line) as { message?: unknown; response?: Record<string, unknown> };
  if (entry.message !== undefined) message = entry.message;
  else if (entry.response !== undefined) {
    const { timings: _timings, ...response } = entry.response;
    process.stdout.write(`${JSON.stringify({ message, response })}\n`);
  }
}
