/**
 * registerOp refuses what would make values misbehave or rules go missing: names that change
 * how JavaScript treats every value (`then` made every tensor a thenable, so `await tensor`
 * never settled), and objects the helpers did not make (registered, then ignored by the
 * engines: a gradient silently zero), and fields reassigned after the helpers checked them.
 */
import {
  DTypeError,
  ValueError,
  bilinear,
  composite,
  custom,
  elementwise,
  linear,
  registerOp,
  tensor,
  withMethod,
  type MethodContext,
  type Op,
  type Self,
} from '@ad/core';
import { grad, type Var } from '@ad/reverse';

/** A custom op of one input with the given name: y = 2x. */
function twice(name: string): Op<undefined> {
  return custom<undefined>({
    name,
    arity: 1,
    primal: ([x]) => x.mul(2),
    jvp: (o) => (xDots) => (xDots[0] === null ? null : o.mul(xDots[0], 2)),
    vjp: (o) => (yBar, needs) => [needs[0] ? o.mul(yBar, 2) : null],
  });
}

function message(f: () => unknown): { type: string; text: string } {
  try {
    f();
  } catch (e) {
    return { type: (e as Error).constructor.name, text: (e as Error).message };
  }
  return { type: 'none', text: '' };
}

describe('names that would change how JavaScript treats every value are refused, with the reason', () => {
  test.each([
    ['then', 'a thenable'],
    ['constructor', 'class'],
    ['toJSON', 'JSON.stringify'],
    ['valueOf', 'converts to a number'],
    ['toString', 'converts to a string'],
    ['toLocaleString', 'converts to a string'],
    ['inspect', 'util.inspect'],
    ['asymmetricMatch', 'matcher'],
    ['__proto__', 'starts with __'],
    ['__mine', 'starts with __'],
    ['hasOwnProperty', 'Object.prototype'],
    ['isPrototypeOf', 'Object.prototype'],
  ])('%s', (name, reason) => {
    const m = message(() => registerOp(twice(name)));
    expect(m.type).toBe('ValueError');
    expect(m.text).toMatch(new RegExp(`^registerOp: the name ${name} .*${reason}.*; choose another name$`));
  });

  test('after the refusal of then, a tensor is still not a thenable: await settles with the tensor', async () => {
    expect(() => registerOp(twice('then'))).toThrow(ValueError);
    const x = tensor([1, 2]);
    expect('then' in x).toBe(false);
    await expect(Promise.resolve(x)).resolves.toBe(x);
  });

  test('members of the kinds are refused as before', () => {
    expect(message(() => registerOp(twice('backward'))).text).toBe('registerOp: backward is already a member of tensors or values; choose another name');
  });
});

describe('only ops made by the helpers are registered', () => {
  const lookalike = {
    name: 'lookalike',
    arity: 1,
    differentiable: true,
    primal: ([x]: readonly { mul(n: number): unknown }[]) => x.mul(2),
    jvp: () => () => null,
    vjp: () => () => [null],
  };

  test.each([
    ['a plain object with the fields of an op', lookalike, 'an object the helpers did not make'],
    ['a copy of a helper-made op', { ...twice('copied') }, 'an object the helpers did not make'],
    ['null', null, 'null'],
    ['a string', 'exp', 'string'],
    ['an array', [twice('inArray')], 'an array'],
  ])('%s is a DTypeError', (_what, entry, got) => {
    const m = message(() => registerOp(entry as never));
    expect(m.type).toBe('DTypeError');
    expect(m.text).toBe(
      `registerOp: expected an op made with elementwise, linear, bilinear, custom, withMethod or composite, got ${got}; ` +
        'build the op with one of them (they check its fields) instead of writing the object by hand',
    );
  });

  test('the look-alike that was silently ignored (gradient zero) is refused, and the same op made with custom differentiates', () => {
    expect(() => registerOp(lookalike as never)).toThrow(DTypeError);
    const f = registerOp(twice('twiceRegistered'), { scalar: true });
    expect(grad(([x]: Var[]) => (x as unknown as Record<string, () => Var>).twiceRegistered())([3])).toEqual([2]);
    expect(f(tensor([1, 2])).toArray()).toEqual([2, 4]);
  });

  test.each([
    ['arity', 0, 'DTypeError', 'registerOp: reassigned: arity must be a positive integer, got number'],
    ['arity', '1', 'DTypeError', 'registerOp: reassigned: arity must be a positive integer, got string'],
    ['differentiable', 'yes', 'DTypeError', 'registerOp: reassigned: differentiable must be true or false, got string'],
    ['vjp', null, 'DTypeError', 'registerOp: reassigned: vjp must be a function, got null'],
    ['primal', 1, 'DTypeError', 'registerOp: reassigned: primal must be a function, got number'],
    ['method', 'exp', 'DTypeError', 'registerOp: reassigned: method must be a function (or absent), got string'],
    ['receiver', true, 'DTypeError', 'registerOp: reassigned: receiver must be false (or absent), got boolean'],
  ])('a field reassigned after the helper checked it: %s = %j', (key, value, type, text) => {
    const op = twice('reassigned');
    Object.assign(op, { [key]: value });
    expect(message(() => registerOp(op))).toEqual({ type, text });
  });

  test('an element-wise op whose arity no longer matches its inputs', () => {
    const op = elementwise({ name: 'arityMismatch', inputs: ['x'], expr: 'x', partials: [() => 1] });
    Object.assign(op, { arity: 2 });
    expect(message(() => registerOp(op))).toEqual({ type: 'ValueError', text: 'registerOp: arityMismatch: arity 2 differs from its 1 element-wise inputs' });
  });

  test.each([
    [{ scalar: 'yes' }, 'registerOp: flagged: flags: scalar: "yes" is not a flag; flags are { scalar?: true, receiver?: false }'],
    [{ receiver: true }, 'registerOp: flagged: flags: receiver: true is not a flag; flags are { scalar?: true, receiver?: false }'],
    [Object.fromEntries([['then', 1]]), 'registerOp: flagged: flags: then: 1 is not a flag; flags are { scalar?: true, receiver?: false }'],
  ])('flags %j are refused', (flags, text) => {
    expect(message(() => registerOp(twice('flagged'), flags as never))).toEqual({ type: 'ValueError', text });
  });

  test('every helper brands what it makes', () => {
    const lin = linear<undefined>({ name: 'linTwice', primal: ([x]) => x.mul(2), transpose: (o, yBar) => o.mul(yBar, 2) });
    const bil = bilinear({
      name: 'bilMul',
      primal: ([x, y]) => x.mul(y),
      transposeX: (o, zBar, _x, y) => o.mul(zBar, y),
      transposeY: (o, zBar, x) => o.mul(zBar, x),
    });
    const comp = composite({ name: 'compSquare', method: (c: MethodContext, x: Self): Self => c.o.mul(x, x) });
    expect(registerOp(lin)(tensor([3])).toArray()).toEqual([6]);
    expect(registerOp(bil)(tensor([3]), tensor([4])).toArray()).toEqual([12]);
    expect(registerOp(comp)(tensor([3])).toArray()).toEqual([9]);
  });

  test('withMethod takes only the receiver flag as options (an elementwise field or any other key is refused)', () => {
    const op = twice('withOptions');
    const build =
      () =>
      (c: MethodContext, x: Self): Self =>
        c.apply(op, [x], undefined);
    expect(message(() => withMethod(op, build, { elementwise: {} } as never))).toEqual({
      type: 'ValueError',
      text: 'withMethod: withOptions: options: elementwise: {} is not a flag; flags are { scalar?: true, receiver?: false }',
    });
    expect(message(() => withMethod(op, build, null as never)).type).toBe('DTypeError');
  });

  test('custom refuses a differentiable flag that is not a boolean', () => {
    const m = message(() => custom({ ...(twice('x1') as unknown as object), name: 'badFlag', differentiable: 'no' } as never));
    expect(m).toEqual({ type: 'DTypeError', text: 'custom: badFlag: differentiable must be true or false, got string' });
  });
});
