/**
 * @ad/cli — the `ad` command (see bin.ts). Importable too: `main(argv)` runs a command line and
 * resolves to its exit code, and the expression parser maps `--fn` text onto @ad's ops.
 */
export { main, type Streams } from './main.js';
export { parseProgram, evaluate, FUNCTION_NAMES, type Program, type Expr, type ExprOp, type Applied } from './expression.js';
