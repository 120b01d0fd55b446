/**
 * Loads jax-js (`@jax-js/jax`) on its WebAssembly backend for the benchmarks. On Node 20 it
 * needs a `Float16Array` global to exist before it is imported (it only checks for the
 * name), so one is defined first if the engine has none.
 */
const g = globalThis as { Float16Array?: unknown };
g.Float16Array ??= class Float16Array {};

const jax = await import('@jax-js/jax');
await jax.init('wasm');
jax.defaultDevice('wasm');

export { jax };
export const np = jax.numpy;
