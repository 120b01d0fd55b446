// A short tour of @ad/core until the `ad` command lands: tensors, broadcasting, matmul, the
// op table's rules and the gradient checker. Run with `pnpm demo` (it builds first).
import { tensor, randn, matmul, softmax, ops, opRules, checkGradients, tensorOps } from '@ad/core';

const x = tensor([[1, 2, 3], [4, 5, 6]]);
console.log('x =', String(x));
console.log('x + [10, 20, 30] =', String(x.add(tensor([10, 20, 30]))));
console.log('x · xᵀ =', String(matmul(x, x.transpose())));
console.log('softmax([1000, 0, -1000]) =', String(softmax(tensor([1000, 0, -1000]))));

// Each op carries its own forward rule (ẏ = f′(x)·ẋ) and reverse rule (x̄ = f′(x)·ȳ).
const t = tensor([0.5]);
const y = ops.tanh.primal([t], undefined);
const yDot = ops.tanh.jvp(tensorOps, [t], y, undefined)([tensor([1])]);
console.log(`d/dx tanh(x) at 0.5 = ${yDot.item().toFixed(6)} (1 − tanh² = ${(1 - Math.tanh(0.5) ** 2).toFixed(6)})`);

// The shared checker compares both rules with central finite differences.
const report = checkGradients('matmul', opRules(ops.matmul, undefined), [randn([3, 4], { seed: 1 }), randn([4, 2], { seed: 2 })]);
console.log('matmul rules vs finite differences:', report);
