/**
 * BufferPlan: the arrays of a run handed back, in order, to the runs after it — zeroed where
 * `allocate` promises zeros — and re-made from the first allocation that does not fit.
 */
import { allocate, allocateUnfilled, BufferPlan } from '@ad/core/engine';

test('a second run gets the first run’s arrays, allocate’s zeroed, allocateUnfilled’s as left', () => {
  const plan = new BufferPlan();
  const run = () => plan.run(() => [allocate(3), allocateUnfilled(1000), allocate(600)]);
  const first = run();
  first.forEach((a) => a.fill(7));
  const second = run();
  second.forEach((a, i) => expect(a).toBe(first[i]));
  expect(Array.from(second[0])).toEqual([0, 0, 0]);
  expect(second[1][999]).toBe(7);
  expect(second[2].every((v) => v === 0)).toBe(true);
  expect(plan.size).toBe(3);
});

test('an allocation of another size re-makes the plan from there; outside a run nothing is planned', () => {
  const plan = new BufferPlan();
  const [a, b] = plan.run(() => [allocate(10), allocate(20)]);
  const [c, d, e] = plan.run(() => [allocate(10), allocate(21), allocate(5)]);
  expect(c).toBe(a);
  expect(d).not.toBe(b);
  expect(d.length).toBe(21);
  expect(plan.size).toBe(3);
  expect(plan.run(() => allocate(10))).toBe(a);
  expect(allocate(10)).not.toBe(a);
  expect(e.length).toBe(5);
});
