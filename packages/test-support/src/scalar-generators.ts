/** fast-check arbitraries of scalar programs (scalar-ir.ts): their instructions, inputs and outputs. */
import fc from 'fast-check';
import { BINARY, COMPARE, ScalarProgram, UNARY, type ScalarInstr, type ScalarOpName } from './scalar-ir.js';

/** Every scalar op; unary and binary ones listed twice so that comparisons stay a minority. */
const SCALAR_OPS: readonly ScalarOpName[] = [...UNARY, ...UNARY, ...BINARY, ...BINARY, 'powi', 'powi', ...COMPARE, 'where', 'where'];

export interface ScalarProgramOptions {
  minInputs?: number;
  maxInputs?: number;
  maxLength?: number;
  maxOutputs?: number;
  /** Restrict the ops (the shrinking test uses this to aim at one op). */
  ops?: readonly ScalarOpName[];
}

export function scalarInstr(opList: readonly ScalarOpName[] = SCALAR_OPS): fc.Arbitrary<ScalarInstr> {
  return fc.record({
    op: fc.constantFrom(...opList),
    a: fc.nat(64),
    b: fc.nat(64),
    c: fc.nat(64),
    konst: fc.boolean(),
    left: fc.boolean(),
    method: fc.boolean(),
    cmp: fc.constantFrom(...COMPARE),
  });
}

export function scalarProgram(options: ScalarProgramOptions = {}): fc.Arbitrary<ScalarProgram> {
  const { minInputs = 1, maxInputs = 4, maxLength = 8, maxOutputs = 3 } = options;
  return fc
    .record({
      n: fc.integer({ min: minInputs, max: maxInputs }),
      body: fc.array(scalarInstr(options.ops), { maxLength }),
      m: fc.integer({ min: 1, max: maxOutputs }),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    })
    .map(({ n, body, m, seed }) => new ScalarProgram(n, body, m, seed));
}
