/**
 * Every scheduler's lr sequence against PyTorch's, recorded by fixtures/schedulers.py over a grid
 * of settings (edge cases included: 1–2 total steps, pctStart 0 and 1, three phases, both anneal
 * strategies, past tMax, duplicate milestones), to 1e-12; and resumed from a JSON state dict
 * halfway, the rest of each sequence again. Where PyTorch divides 0 by 0 (a OneCycleLR phase of
 * zero width) we give the lr at that phase's end, checked against the formula by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor } from '@ad/core';
import * as nn from '../src/index.js';
import { type LRScheduler, OneCycleLR, Parameter, ReduceLROnPlateau, SGD, type SchedulerState } from '../src/index.js';

interface Case {
  scheduler: string;
  options: Record<string, unknown>;
  lr: number;
  steps: number;
  metrics?: number[];
  lrs?: number[];
  error?: string;
  stepPastEnd?: string;
}

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'schedulers.json'), 'utf8')) as { torch: string; cases: Case[] };

type Constructor = new (optimizer: SGD, options: unknown) => LRScheduler;
const classes = nn as unknown as Record<string, Constructor>;

function make(optimizer: SGD, scheduler: string, options: Record<string, unknown>): LRScheduler {
  if (scheduler === 'SequentialLR') {
    const children = (options.schedulers as { scheduler: string; options: Record<string, unknown> }[]).map((c) => make(optimizer, c.scheduler, c.options));
    return new nn.SequentialLR(optimizer, { schedulers: children, milestones: options.milestones as number[] });
  }
  return new classes[scheduler](optimizer, options);
}

const newOptimizer = (lr: number) => new SGD([new Parameter(tensor([0, 0]))], { lr });

/** |got − want| ≤ 1e-12·max(1, |want|) at every step, naming the step that differs. */
function expectClose(got: number[], want: number[], label: string): void {
  expect(got).toHaveLength(want.length);
  const bad = got.findIndex((v, i) => !(Math.abs(v - want[i]) <= 1e-12 * Math.max(1, Math.abs(want[i]))));
  if (bad >= 0) throw new Error(`${label}: step ${bad}: got ${got[bad]}, PyTorch ${want[bad]}\n  got  ${got.join(', ')}\n  want ${want.join(', ')}`);
}

const label = (c: Case) => `${c.scheduler} ${JSON.stringify(c.options)}`;
const sequences = fixture.cases.filter((c) => c.lrs !== undefined && c.metrics === undefined);

test('the fixture covers every scheduler class we export, each with several settings', () => {
  const exported = Object.entries(nn)
    .filter(([, v]) => typeof v === 'function' && (v.prototype instanceof nn.LRScheduler || v === ReduceLROnPlateau))
    .map(([k]) => k);
  for (const name of exported) expect(fixture.cases.filter((c) => c.scheduler === name).length).toBeGreaterThanOrEqual(3);
});

test.each(sequences.map((c) => [label(c), c] as const))('%s matches PyTorch', (_, c) => {
  const optimizer = newOptimizer(c.lr);
  const s = make(optimizer, c.scheduler, c.options);
  const got = [s.getLastLr()[0]];
  for (let i = 0; i < c.steps; i++) {
    optimizer.step();
    s.step();
    expect(optimizer.lr).toBe(s.getLastLr()[0]);
    got.push(s.getLastLr()[0]);
  }
  expectClose(got, c.lrs!, label(c));
  if (c.stepPastEnd === 'ValueError') expect(() => s.step()).toThrow(/OneCycleLR.step: .*past its totalSteps/);
});

test.each(sequences.filter((c) => c.steps >= 2).map((c) => [label(c), c] as const))('%s resumed halfway from its JSON state matches PyTorch', (_, c) => {
  const half = Math.floor(c.steps / 2);
  const first = make(newOptimizer(c.lr), c.scheduler, c.options);
  for (let i = 0; i < half; i++) first.step();
  const state = JSON.parse(JSON.stringify(first.stateDict())) as SchedulerState;
  const optimizer = newOptimizer(c.lr);
  const s = make(optimizer, c.scheduler, c.options);
  s.loadStateDict(state);
  const got = [s.getLastLr()[0]];
  for (let i = half; i < c.steps; i++) {
    s.step();
    got.push(optimizer.lr);
  }
  expectClose(got, c.lrs!.slice(half), `${label(c)} resumed at ${half}`);
});

test.each(fixture.cases.filter((c) => c.metrics !== undefined).map((c) => [JSON.stringify(c.options), c] as const))(
  'ReduceLROnPlateau %s matches PyTorch, resumed halfway too',
  (_, c) => {
    const optimizer = newOptimizer(c.lr);
    const s = new ReduceLROnPlateau(optimizer, c.options);
    const got = c.metrics!.map((m) => {
      s.step(m);
      return s.getLastLr()[0];
    });
    expectClose(got, c.lrs!, `ReduceLROnPlateau ${JSON.stringify(c.options)}`);
    const half = Math.floor(c.steps / 2);
    const first = new ReduceLROnPlateau(newOptimizer(c.lr), c.options);
    for (const m of c.metrics!.slice(0, half)) first.step(m);
    const resumed = new ReduceLROnPlateau(newOptimizer(c.lr), c.options);
    resumed.loadStateDict(JSON.parse(JSON.stringify(first.stateDict())));
    const rest = c.metrics!.slice(half).map((m) => {
      resumed.step(m);
      return resumed.getLastLr()[0];
    });
    expectClose(rest, c.lrs!.slice(half), 'ReduceLROnPlateau resumed');
  },
);

/**
 * Where PyTorch raises ZeroDivisionError, a phase [begin, end] has end = begin, so p = (t − begin)/(end − begin)
 * is 0/0 (or t/0 one step past a last phase of zero width). We take such a phase at its end (p = 1):
 * the rule every other phase already follows at its end step, and finite.
 */
test.each(fixture.cases.filter((c) => c.error !== undefined).map((c) => [label(c), c] as const))(
  'OneCycleLR %s, where PyTorch divides by zero, gives finite lrs: a phase of zero width at its end',
  (_, c) => {
    expect(c.error).toBe('ZeroDivisionError');
    const o = c.options as { totalSteps: number; pctStart: number; annealStrategy: 'cos' | 'linear'; threePhase: boolean };
    const n = o.totalSteps;
    const initial = 1 / 25;
    const min = initial / 1e4;
    const phases = o.threePhase
      ? [
          { end: o.pctStart * n - 1, from: initial, to: 1 },
          { end: 2 * o.pctStart * n - 2, from: 1, to: initial },
          { end: n - 1, from: initial, to: min },
        ]
      : [
          { end: o.pctStart * n - 1, from: initial, to: 1 },
          { end: n - 1, from: 1, to: min },
        ];
    const anneal = (from: number, to: number, p: number) =>
      o.annealStrategy === 'cos' ? to + ((from - to) * (1 + Math.cos(Math.PI * p))) / 2 : (to - from) * p + from;
    const want = Array.from({ length: n + 1 }, (_, t) => {
      let begin = 0;
      for (let i = 0; i < phases.length; i++) {
        const { end, from, to } = phases[i];
        if (t <= end || i === phases.length - 1) return anneal(from, to, end === begin ? 1 : (t - begin) / (end - begin));
        begin = end;
      }
      throw new Error('unreachable');
    });
    const optimizer = newOptimizer(1);
    const s = new OneCycleLR(optimizer, c.options as unknown as nn.OneCycleOptions);
    const got = [s.getLastLr()[0]];
    for (let i = 0; i < n; i++) {
      s.step();
      got.push(s.getLastLr()[0]);
    }
    expect(got.every(Number.isFinite)).toBe(true);
    expectClose(got, want, label(c));
  },
);

test('the cases of issue 23 give finite lrs: totalSteps 2 with pctStart 0.5, 10 with 0.1, three phases over 4 steps', () => {
  const lrs = (options: nn.OneCycleOptions) => {
    const s = new OneCycleLR(newOptimizer(1), options);
    const out = [s.getLastLr()[0]];
    for (let i = 0; i < options.totalSteps!; i++) {
      s.step();
      out.push(s.getLastLr()[0]);
    }
    return out;
  };
  // Two steps, the warm-up ending at step 0: the peak, then the floor 1/25/1e4, then (PyTorch's
  // one step past the end) the cosine carried on to p = 2, back at the peak.
  expect(lrs({ maxLr: 1, totalSteps: 2, pctStart: 0.5 })).toEqual([1, 4e-6, 1]);
  const ten = lrs({ maxLr: 1, totalSteps: 10, pctStart: 0.1 });
  expect(ten[0]).toBe(1);
  expect(ten[9]).toBeCloseTo(4e-6, 15);
  expect(lrs({ maxLr: 1, totalSteps: 4, pctStart: 0.25, threePhase: true }).every(Number.isFinite)).toBe(true);
});
