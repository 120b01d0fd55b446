/**
 * @ad/cli/browser — the parts of the `ad` command a web page can use (nothing here reaches a
 * Node builtin): the expression language of `--fn`, the point of `--at`, the evaluation trace
 * (Wengert list) of `ad graph`, the number formats, and DOT → SVG with WebAssembly Graphviz.
 * The docs' playground runs on it, so the page and the command read expressions the same way
 * and say the same thing about a bad one.
 */
export { parseProgram, evaluate, checkInputs, FUNCTION_NAMES, INFIX, type Program, type Expr, type ExprOp, type Applied } from './expression.js';
export { pointed, signature, subscript, type PointedProgram } from './point.js';
export { parseAssignments, parseNumber, parseNumberList } from './args.js';
export { UsageError } from './errors.js';
export { num, vector, matrix, unitName } from './format.js';
export { trace, entryName, definition, type Trace, type TraceEntry, type Operand } from './wengert.js';
export { dotToSvg } from './graphviz.js';
