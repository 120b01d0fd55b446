/**
 * The GradBench protocol, one message in, one response out (upstream `js/common/protocol.ts`):
 * `start` → `{ id, tool }`, `define` → whether the module exists, `evaluate` → the function's
 * output and timings (or `success: false` with the error), anything else → `{ id }`.
 * `respond` is pure apart from the computation, so the tests replay recorded exchanges through it.
 */
import { ba } from './ba.js';
import { det } from './det.js';
import { gmm } from './gmm.js';
import { hello } from './hello.js';
import { ht } from './ht.js';
import { kmeans } from './kmeans.js';
import { llsq } from './llsq.js';
import { lse } from './lse.js';
import { lstm } from './lstm.js';
import { ode } from './ode.js';
import { particle } from './particle.js';
import { saddle } from './saddle.js';
import type { EvalModule, Timing } from './runs.js';

export const modules: Readonly<Record<string, EvalModule>> = { hello, lse, llsq, det, ode, kmeans, gmm, lstm, ba, ht, particle, saddle };

export interface Message {
  id: number;
  kind: string;
  module?: string;
  function?: string;
  input?: unknown;
}

export interface Response {
  id: number;
  tool?: string;
  success?: boolean;
  output?: unknown;
  timings?: Timing[];
  error?: string;
}

function moduleNamed(name: unknown): EvalModule {
  const module = typeof name === 'string' && Object.hasOwn(modules, name) ? modules[name] : undefined;
  if (module === undefined) throw new Error(`module ${JSON.stringify(name)} is not implemented; this tool has ${Object.keys(modules).join(', ')}`);
  return module;
}

export function respond(message: Message): Response {
  const { id } = message;
  try {
    switch (message.kind) {
      case 'start':
        return { id, tool: 'ad' };
      case 'define':
        moduleNamed(message.module);
        return { id, success: true };
      case 'evaluate': {
        const module = moduleNamed(message.module);
        const name = message.function;
        const f = typeof name === 'string' && Object.hasOwn(module, name) ? module[name] : undefined;
        if (f === undefined) throw new Error(`${message.module} has no function ${JSON.stringify(name)}; it has ${Object.keys(module).join(', ')}`);
        return { id, success: true, ...f(message.input) };
      }
      default:
        return { id };
    }
  } catch (e) {
    return { id, success: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}
