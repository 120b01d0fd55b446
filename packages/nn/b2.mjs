import { grad, variable } from '@ad/reverse';
import { jacfwd, dual } from '@ad/forward';
const f = ([x, y]) => x.add(y).mul(x.sub(y));
const g = grad(f);
const jf = jacfwd(f);
const N = 200000;
for (let r = 0; r < 4; r++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) g([3, 2]);
  const tg = (performance.now() - t) / N * 1e3;
  t = performance.now();
  for (let i = 0; i < N; i++) { const x = variable(3), y = variable(2); const z = f([x, y]); z.backward(); }
  const tv = (performance.now() - t) / N * 1e3;
  t = performance.now();
  for (let i = 0; i < N; i++) jf([3, 2]);
  const tj = (performance.now() - t) / N * 1e3;
  t = performance.now();
  let s = 0;
  for (let i = 0; i < N; i++) { const x = dual(3 + i * 1e-9, [1]); const y = dual(2, [0]); s += f([x, y]).first; }
  const td = (performance.now() - t) / N * 1e3;
  console.log(`grad ${(tg * 1000).toFixed(0)} ns, variable×2+f+backward ${(tv * 1000).toFixed(0)} ns, jacfwd ${(tj * 1000).toFixed(0)} ns, dual f ${(td * 1000).toFixed(0)} ns`);
}
