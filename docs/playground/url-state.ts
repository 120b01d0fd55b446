/**
 * The playground's state in its URL: `/playground?fn=(x%2By)*(x-y)&at=x=3,y=2&seed=1,1` opens with
 * that function, point and forward seed. Also `rseed` (reverse seeds), `view` (forward or
 * reverse graph) and `limit` (the time limit in milliseconds).
 */
import type { PlaygroundInput } from './compute.js';
import type { View } from './graph-dot.js';

export interface PlaygroundState extends PlaygroundInput {
  view: View;
  /** Milliseconds an evaluation may take before the worker is stopped. */
  limit: number;
}

export const DEFAULTS: PlaygroundState = { fn: '(x+y)*(x-y)', at: 'x=3,y=2', seed: '1,1', rseed: '1', view: 'forward', limit: 3000 };

/**
 * Reads a query string. A `+` is kept as a plus, not read as a space as form encoding would: a
 * reader who types `?fn=x+y` means x + y (and `x y` would parse as the product x·y).
 */
export function readState(search: string): PlaygroundState {
  const params = new Map<string, string>();
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const raw = eq < 0 ? '' : part.slice(eq + 1);
    try {
      params.set(decodeURIComponent(key), decodeURIComponent(raw));
    } catch {
      params.set(key, raw); // a stray % is kept as typed; the field then says what is wrong with it
    }
  }
  // A function from the URL with no point gets none of the default's (its variables may differ).
  const fresh = params.has('fn');
  const text = (key: keyof PlaygroundInput) => params.get(key) ?? (fresh ? '' : DEFAULTS[key]);
  const limit = Number(params.get('limit'));
  return {
    fn: text('fn'),
    at: text('at'),
    seed: text('seed'),
    rseed: text('rseed'),
    view: params.get('view') === 'reverse' ? 'reverse' : 'forward',
    limit: Number.isFinite(limit) && limit > 0 ? limit : DEFAULTS.limit,
  };
}

/** The query string of a state, readable: only what a URL needs escaped is escaped (not = , ; ( ) *). */
export function writeState(state: PlaygroundState): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%3D/g, '=').replace(/%2C/g, ',').replace(/%3B/g, ';');
  const parts = [`fn=${enc(state.fn)}`, `at=${enc(state.at)}`];
  if (state.seed !== '') parts.push(`seed=${enc(state.seed)}`);
  if (state.rseed !== '') parts.push(`rseed=${enc(state.rseed)}`);
  if (state.view !== 'forward') parts.push(`view=${state.view}`);
  if (state.limit !== DEFAULTS.limit) parts.push(`limit=${state.limit}`);
  return `?${parts.join('&')}`;
}
