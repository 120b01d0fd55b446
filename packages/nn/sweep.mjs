import { AdError } from '@ad/core';
const bad = () => [[], [undefined], [null], [{}], ['abc'], [NaN], [-1], [1.5], [[1, 2]], [1e12]];
const results = {};
for (const p of ['@ad/core', '@ad/forward', '@ad/reverse', '@ad/nn', '@ad/nn/node']) {
  const m = await import(p);
  for (const [name, v] of Object.entries(m)) {
    if (typeof v !== 'function') continue;
    const isClass = /^class\b/.test(Function.prototype.toString.call(v));
    for (const args of bad()) {
      try {
        const r = isClass ? new v(...args) : v(...args);
        if (typeof r === 'function' && !isClass) { try { r(...bad()[bad().findIndex(a => JSON.stringify(a) === JSON.stringify(args))]); } catch (e) { if (!(e instanceof AdError)) (results[`${p} ${name}()(…)`] ??= []).push(`${JSON.stringify(args)} → ${e.constructor.name}: ${String(e.message).slice(0, 60)}`); } }
      } catch (e) {
        if (!(e instanceof AdError)) (results[`${p} ${name}`] ??= []).push(`${JSON.stringify(args)} → ${e.constructor.name}: ${String(e.message).slice(0, 60)}`);
      }
    }
  }
}
const keys = Object.keys(results);
console.log(keys.length, 'exports with raw errors');
for (const k of keys) console.log(k, '|', results[k][0], `(${results[k].length})`);
