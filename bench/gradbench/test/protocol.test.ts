/**
 * Replays exchanges recorded from the harness (`run.sh EVAL manual`, small inputs; see
 * scripts/record-fixtures.ts) through the tool's message handler, in process, and checks each
 * response as the eval would: the same id, success, and an output that matches the C++ tool's
 * under upstream's rule (comparison.py: same JSON shape, floats within
 * |a − b| / max(1, |a| + |b|) ≤ 1e-4), plus one integer `evaluate` timing per run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Message, type Response, modules, respond } from '../src/protocol.js';

interface Exchange {
  message: Message & { input?: unknown };
  response: Response;
}

const TOLERANCE = 1e-4;

/** Mismatches between expected and actual JSON values, as upstream's compare_json_objects. */
function mismatches(expected: unknown, actual: unknown, path = ''): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const difference = Math.abs(actual - expected) / Math.max(1, Math.abs(actual) + Math.abs(expected));
    return difference <= TOLERANCE ? [] : [`${path}: ${expected} != ${actual}`];
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    if (expected.length !== actual.length) return [`${path}: expected an array of length ${expected.length}, got ${actual.length}`];
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${path}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])];
    return keys.flatMap((k) => {
      if (!(k in e)) return [`unexpected key ${path}.${k}`];
      if (!(k in a)) return [`key ${path}.${k} is missing`];
      return mismatches(e[k], a[k], `${path}.${k}`);
    });
  }
  return expected === actual ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function exchanges(evalName: string): Exchange[] {
  const text = readFileSync(join(__dirname, 'fixtures', `${evalName}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Exchange);
}

describe.each(Object.keys(modules))('%s: recorded exchanges with the manual tool (finite for particle and saddle)', (evalName) => {
  const recorded = exchanges(evalName);

  it('has evaluate messages to replay', () => {
    expect(recorded.filter((x) => x.message.kind === 'evaluate').length).toBeGreaterThan(0);
  });

  it.each(recorded.map((x) => [`${x.message.id} ${x.message.kind} ${x.message.function ?? ''}`, x] as const))('%s', (_, { message, response }) => {
    // The recorded repetition (min_seconds 0.1) only slows the suite: one run each is replayed.
    const replayed = typeof message.input === 'object' && message.input !== null ? { ...message, input: { ...message.input, min_seconds: 0 } } : message;
    // Through JSON, as the process writes it: a NaN would become null and fail the comparison.
    const ours = JSON.parse(JSON.stringify(respond(replayed))) as Response;
    expect(ours.id).toBe(message.id);
    expect(ours.error).toBeUndefined();
    expect(ours.success).toBe(response.success);
    if (message.kind !== 'evaluate') return;
    expect(mismatches(response.output, ours.output)).toEqual([]);
    const input = message.input as { min_runs?: number };
    expect(ours.timings!.length).toBeGreaterThanOrEqual(input.min_runs ?? 1);
    for (const t of ours.timings!) {
      expect(t.name).toBe('evaluate');
      expect(Number.isInteger(t.nanoseconds)).toBe(true);
    }
  });
});

describe('messages the tool does not implement', () => {
  it('refuses an unknown module at define, naming the ones it has', () => {
    const r = respond({ id: 1, kind: 'define', module: 'fft' });
    expect(r.success).toBe(false);
    expect(r.error).toMatch(/module "fft" is not implemented; this tool has hello, lse, llsq/);
  });

  it('refuses an unknown function at evaluate', () => {
    const r = respond({ id: 2, kind: 'evaluate', module: 'lse', function: 'hessian', input: { x: [1], min_runs: 1, min_seconds: 0 } });
    expect(r.success).toBe(false);
    expect(r.error).toMatch(/lse has no function "hessian"; it has primal, gradient/);
  });
});
