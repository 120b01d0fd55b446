/**
 * The grammar of element-wise expressions: what `elementwise({ inputs, expr })` accepts, and the
 * only way an expression reaches the kernels. The text is tokenized and parsed into a tree, the
 * tree is checked (names, functions and their argument counts, numbers against booleans), and
 * the kernels' source is emitted from the tree — never copied from the text — so nothing but
 * this grammar can run: a name that is not an input, a `Math.` constant or function, or a
 * `Special.` function is refused where the op is defined, with its column.
 *
 *   expr     := cond
 *   cond     := or ('?' cond ':' cond)?
 *   or       := and ('||' and)*            and := equality ('&&' equality)*
 *   equality := relation (('===' | '!==' | '==' | '!=') relation)*
 *   relation := sum (('<' | '<=' | '>' | '>=') sum)*
 *   sum      := product (('+' | '-') product)*
 *   product  := power (('*' | '/' | '%') power)*
 *   power    := unary | primary '**' power  (right-associative; `-x ** 2` is refused, as JavaScript does)
 *   unary    := ('-' | '+' | '!') unary | primary
 *   primary  := number | input | NaN | Infinity | Math.CONSTANT | (Math | Special).fn '(' expr (',' expr)* ')' | '(' expr ')'
 *
 * Values are numbers or booleans (comparisons, `!`, `&&`, `||`): arithmetic and functions take
 * numbers, `?:` tests and logic take booleans, both branches of `?:` have one type, and the
 * whole expression is a number. `==` and `!=` are emitted as `===` and `!==` (the same on numbers).
 *
 * Parsing is depth-limited: an expression nested deeper than MAX_DEPTH is refused by name,
 * never a stack overflow (the parser and the emitter recurse once per level).
 */
import { DTypeError, ValueError } from '../errors.js';
import { Special } from '../special.js';

/** Deepest nesting accepted: far past any formula written by hand (the built-in ops need 7). */
export const MAX_DEPTH = 200;

/** An element-wise op has at most this many inputs: the kernels' layouts are generated for up to three operands. */
export const MAX_INPUTS = 3;

/** True for a JavaScript identifier: what an op's name must be, since it becomes a method and a name in generated code. */
export function isIdentifier(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z_$][\w$]*$/.test(name);
}

/** `Math`'s functions an expression may call, with their number of arguments (-1: one or more). */
const MATH_FUNCTIONS: Readonly<Record<string, number>> = {
  abs: 1,
  acos: 1,
  acosh: 1,
  asin: 1,
  asinh: 1,
  atan: 1,
  atan2: 2,
  atanh: 1,
  cbrt: 1,
  ceil: 1,
  cos: 1,
  cosh: 1,
  exp: 1,
  expm1: 1,
  floor: 1,
  fround: 1,
  hypot: -1,
  log: 1,
  log10: 1,
  log1p: 1,
  log2: 1,
  max: -1,
  min: -1,
  pow: 2,
  round: 1,
  sign: 1,
  sin: 1,
  sinh: 1,
  sqrt: 1,
  tan: 1,
  tanh: 1,
  trunc: 1,
};

/** `Math`'s constants an expression may read. */
const MATH_CONSTANTS: readonly string[] = ['E', 'LN10', 'LN2', 'LOG10E', 'LOG2E', 'PI', 'SQRT1_2', 'SQRT2'];

/** The number of arguments of a `Special.` function, or undefined for a name Special does not define. */
function specialArity(name: string): number | undefined {
  const f = Object.hasOwn(Special, name) ? (Special as Record<string, unknown>)[name] : undefined;
  return typeof f === 'function' ? f.length : undefined;
}

/**
 * Names an input may not take: JavaScript's reserved words and the globals an expression could
 * mean, the names the grammar gives a meaning, and the kernels' own locals (elementwise.ts).
 */
const RESERVED = new Set([
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async of get set'.split(
    ' ',
  ),
  ...'arguments eval undefined NaN Infinity globalThis window self global Math Special Function Object Array Number Boolean String Symbol'.split(' '),
  ...'out n i j d o shape rank last inner index total'.split(' '),
]);

/** The suffixes the kernels append to an input's name for its locals (xData, xOff, xStride, xPos, xInner). */
const LOCAL_SUFFIXES = ['Data', 'Off', 'Stride', 'Pos', 'Inner'];

type Type = 'number' | 'boolean';

type BinaryOp = '||' | '&&' | '===' | '!==' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '**';

/** A node of the tree: where it starts (column, from 1), its type and depth. */
type Node = { readonly column: number; readonly type: Type; readonly depth: number } & (
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'constant'; readonly name: string }
  | { readonly kind: 'call'; readonly object: 'Math' | 'Special'; readonly name: string; readonly args: readonly Node[] }
  | { readonly kind: 'unary'; readonly op: '-' | '+' | '!'; readonly arg: Node }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Node; readonly right: Node }
  | { readonly kind: 'cond'; readonly test: Node; readonly then: Node; readonly else: Node }
  | { readonly kind: 'group'; readonly inner: Node }
);

/** Binding power of each binary operator, JavaScript's order (higher binds tighter). */
const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '===': 3,
  '!==': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
  '**': 7,
};
const UNARY_PRECEDENCE = 8;
const ATOM_PRECEDENCE = 9;

interface Token {
  readonly kind: 'number' | 'name' | 'punct' | 'end';
  readonly text: string;
  readonly column: number;
}

const PUNCTUATORS = ['===', '!==', '**', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '(', ')', ',', '.'];
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_$][\w$]*/y;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An element-wise expression once checked: its inputs and its normalized source, emitted from the tree. */
export interface ParsedExpression {
  readonly inputs: readonly string[];
  /** The expression as the kernels run it: printed from the tree, one space around binary operators. */
  readonly source: string;
}

/**
 * Checks an element-wise op's inputs and expression and returns the source the kernels run.
 * Errors name the function called (`caller`), the op and the part: `elementwise: exp2: expr:
 * unknown name 'y' at column 5; inputs are x`.
 */
export function parseElementwise(caller: string, opName: string, inputs: unknown, expr: unknown): ParsedExpression {
  const names = checkInputs(caller, opName, inputs);
  if (typeof expr !== 'string')
    throw new DTypeError(caller, `${opName}: expr must be a string (an expression over ${names.join(', ')}), got ${typeName(expr)}`);
  const parser = new Parser(caller, opName, names, expr);
  const tree = parser.parse();
  return { inputs: names, source: emit(tree) };
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Input names: one to three identifiers, distinct, none reserved or the name of another's locals. */
function checkInputs(caller: string, opName: string, inputs: unknown): readonly string[] {
  const where = `${opName}: inputs`;
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > MAX_INPUTS) {
    throw new DTypeError(
      caller,
      `${where} must be an array of 1 to ${MAX_INPUTS} names, such as ['x'] or ['x', 'y'], got ${Array.isArray(inputs) ? `${inputs.length} names` : typeName(inputs)}`,
    );
  }
  const names: string[] = [];
  for (const [i, n] of inputs.entries()) {
    if (typeof n !== 'string') throw new DTypeError(caller, `${where}: name ${i} must be a string, got ${typeName(n)}`);
    if (!IDENTIFIER.test(n) || n.length > 64) {
      throw new ValueError(caller, `${where}: ${JSON.stringify(n)} is not a name (letters, digits and _, not starting with a digit, at most 64 characters)`);
    }
    if (RESERVED.has(n))
      throw new ValueError(caller, `${where}: ${JSON.stringify(n)} is reserved (a JavaScript word, a name of the grammar or of the kernels); choose another`);
    if (names.includes(n)) throw new ValueError(caller, `${where}: ${JSON.stringify(n)} appears twice; each input needs its own name`);
    names.push(n);
  }
  for (const n of names) {
    for (const m of names) {
      if (LOCAL_SUFFIXES.some((s) => n === `${m}${s}`)) {
        throw new ValueError(caller, `${where}: ${JSON.stringify(n)} is the name of a local the kernels make for input ${m}; choose another`);
      }
    }
  }
  return names;
}

function tokenize(fail: (message: string, column: number) => never, text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text[at];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      at++;
      continue;
    }
    const column = at + 1;
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (number !== null) {
      const after = text[at + number[0].length];
      if (after !== undefined && /[\w$.]/.test(after)) fail(`malformed number ${JSON.stringify(number[0] + after)}`, column);
      tokens.push({ kind: 'number', text: number[0], column });
      at += number[0].length;
      continue;
    }
    NAME.lastIndex = at;
    const name = NAME.exec(text);
    if (name !== null) {
      tokens.push({ kind: 'name', text: name[0], column });
      at += name[0].length;
      continue;
    }
    const punct = PUNCTUATORS.find((p) => text.startsWith(p, at));
    if (punct === undefined) {
      const shown = String.fromCodePoint(text.codePointAt(at) ?? 0);
      fail(`unexpected character ${JSON.stringify(shown)}${ch === '=' ? ' (assignment is not an expression of the grammar)' : ''}`, column);
    }
    tokens.push({ kind: 'punct', text: punct, column });
    at += punct.length;
  }
  tokens.push({ kind: 'end', text: 'the end', column: text.length + 1 });
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private at = 0;
  private nesting = 0;

  constructor(
    private readonly caller: string,
    private readonly opName: string,
    private readonly inputs: readonly string[],
    text: string,
  ) {
    this.tokens = tokenize((m, c) => this.fail(m, c), text);
  }

  parse(): Node {
    const tree = this.cond();
    const next = this.peek();
    if (next.kind !== 'end') this.fail(`unexpected ${show(next)} after a complete expression`, next.column);
    if (tree.type !== 'number') this.fail('the expression gives a boolean, but an element must be a number', tree.column, 'write `c ? 1 : 0`');
    return tree;
  }

  private fail(message: string, column: number, hint?: string): never {
    throw new ValueError(this.caller, `${this.opName}: expr: ${message} at column ${column}${hint === undefined ? '' : `; ${hint}`}`);
  }

  private peek(): Token {
    return this.tokens[this.at];
  }

  private next(): Token {
    return this.tokens[this.at++];
  }

  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }

  private expect(text: string, what: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== text) this.fail(`expected ${what}, found ${show(t)}`, t.column);
    return t;
  }

  /** A node, refused past MAX_DEPTH. */
  private node<N extends Node>(n: N): N {
    if (n.depth > MAX_DEPTH) this.fail(`more than ${MAX_DEPTH} levels deep (each operator of a chain is a level); split it into ops`, n.column);
    return n;
  }

  private need(n: Node, type: Type, role: string): void {
    if (n.type !== type) {
      this.fail(
        type === 'number'
          ? `${role} must be a number, got a boolean (a comparison or logic)`
          : `${role} must be a boolean (a comparison, such as x > 0), got a number`,
        n.column,
      );
    }
  }

  /** Guards the parser's own recursion, which follows the nesting of the text. */
  private enter(column: number): void {
    if (++this.nesting > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`, column);
  }

  private cond(): Node {
    this.enter(this.peek().column);
    const test = this.binary(1);
    let result = test;
    if (this.isPunct('?')) {
      this.next();
      this.need(test, 'boolean', 'the condition of ?:');
      const then = this.cond();
      this.expect(':', "':' of ?:");
      const otherwise = this.cond();
      if (then.type !== otherwise.type) this.fail(`the two branches of ?: must have one type, got a ${then.type} and a ${otherwise.type}`, then.column);
      result = this.node({
        kind: 'cond',
        test,
        then,
        else: otherwise,
        column: test.column,
        type: then.type,
        depth: 1 + Math.max(test.depth, then.depth, otherwise.depth),
      });
    }
    this.nesting--;
    return result;
  }

  /** Binary operators binding at least as tightly as `min`, by precedence climbing (left-associative loops). */
  private binary(min: number): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') break;
      const op = (t.text === '==' ? '===' : t.text === '!=' ? '!==' : t.text) as BinaryOp;
      const prec = PRECEDENCE[op];
      if (prec === undefined || prec < min) break;
      this.next();
      if (op === '**' && left.kind === 'unary') this.fail(`${left.op}x ** y is ambiguous`, left.column, `write (${left.op}x) ** y or ${left.op}(x ** y)`);
      // ** is right-associative: its right operand may hold another **.
      this.enter(t.column);
      const right = op === '**' ? this.binary(prec) : this.binary(prec + 1);
      this.nesting--;
      left = this.node({
        kind: 'binary',
        op,
        left,
        right,
        column: left.column,
        type: this.typeOf(op, left, right, t.column),
        depth: 1 + Math.max(left.depth, right.depth),
      });
    }
    return left;
  }

  private typeOf(op: BinaryOp, left: Node, right: Node, column: number): Type {
    if (op === '&&' || op === '||') {
      this.need(left, 'boolean', `the left operand of ${op}`);
      this.need(right, 'boolean', `the right operand of ${op}`);
      return 'boolean';
    }
    if (op === '===' || op === '!==') {
      if (left.type !== right.type) this.fail(`${op} compares a ${left.type} with a ${right.type}`, column);
      return 'boolean';
    }
    this.need(left, 'number', `the left operand of ${op}`);
    this.need(right, 'number', `the right operand of ${op}`);
    return PRECEDENCE[op] === 4 ? 'boolean' : 'number';
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '-' || t.text === '+' || t.text === '!')) {
      this.next();
      this.enter(t.column);
      const arg = this.unary();
      this.nesting--;
      const op = t.text;
      this.need(arg, op === '!' ? 'boolean' : 'number', `the operand of unary ${op}`);
      return this.node({ kind: 'unary', op, arg, column: t.column, type: arg.type, depth: arg.depth + 1 });
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    if (t.kind === 'number') return { kind: 'number', value: Number(t.text), column: t.column, type: 'number', depth: 1 };
    if (t.kind === 'punct' && t.text === '(') {
      const inner = this.cond();
      this.expect(')', "')'");
      return this.node({ kind: 'group', inner, column: t.column, type: inner.type, depth: inner.depth + 1 });
    }
    if (t.kind !== 'name') this.fail(`expected a number, an input, a function or '(', found ${show(t)}`, t.column);
    const name = t.text;
    if (this.inputs.includes(name)) {
      if (this.isPunct('.') || this.isPunct('(')) this.fail(`${name} is an input (a number): it has no members and cannot be called`, this.peek().column);
      return { kind: 'input', name, column: t.column, type: 'number', depth: 1 };
    }
    if (name === 'NaN' || name === 'Infinity') return { kind: 'number', value: Number(name), column: t.column, type: 'number', depth: 1 };
    if (name === 'Math' || name === 'Special') return this.member(name, t.column);
    return this.fail(`unknown name '${name}'`, t.column, `inputs are ${this.inputs.join(', ')}`);
  }

  /** `Math.PI`, `Math.exp(x)`, `Special.erf(x)`: names from the allow-lists only. */
  private member(object: 'Math' | 'Special', column: number): Node {
    this.expect('.', `'.' after ${object}`);
    const t = this.next();
    if (t.kind !== 'name') this.fail(`expected a name after ${object}., found ${show(t)}`, t.column);
    const name = t.text;
    const arity = object === 'Math' ? (Object.hasOwn(MATH_FUNCTIONS, name) ? MATH_FUNCTIONS[name] : undefined) : specialArity(name);
    if (!this.isPunct('(')) {
      if (object === 'Math' && MATH_CONSTANTS.includes(name)) return { kind: 'constant', name, column, type: 'number', depth: 1 };
      if (arity !== undefined) this.fail(`${object}.${name} is a function: call it`, t.column);
      this.fail(`unknown name ${object}.${name}`, t.column, this.known(object));
    }
    if (arity === undefined) this.fail(`unknown function ${object}.${name}`, t.column, this.known(object));
    this.next();
    this.enter(t.column);
    const args: Node[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        const arg = this.cond();
        this.need(arg, 'number', `an argument of ${object}.${name}`);
        args.push(arg);
        if (!this.isPunct(',')) break;
        this.next();
      }
    }
    this.expect(')', `',' or ')' in the arguments of ${object}.${name}`);
    this.nesting--;
    if (arity >= 0 ? args.length !== arity : args.length === 0) {
      this.fail(`${object}.${name} takes ${arity >= 0 ? arity : 'one or more'} argument${arity === 1 ? '' : 's'}, got ${args.length}`, t.column);
    }
    return this.node({ kind: 'call', object, name, args, column, type: 'number', depth: 1 + Math.max(0, ...args.map((a) => a.depth)) });
  }

  private known(object: 'Math' | 'Special'): string {
    return object === 'Math'
      ? `Math offers ${[...Object.keys(MATH_FUNCTIONS), ...MATH_CONSTANTS].join(', ')}`
      : `Special offers ${Object.keys(Special)
          .filter((k) => specialArity(k) !== undefined)
          .join(', ')}`;
  }
}

function show(t: Token): string {
  return t.kind === 'end' ? 'the end' : `'${t.text}'`;
}

/** How tightly a node's printed form binds. */
function precedenceOf(n: Node): number {
  switch (n.kind) {
    case 'cond':
      return 0;
    case 'binary':
      return PRECEDENCE[n.op];
    case 'unary':
      return UNARY_PRECEDENCE;
    default:
      return ATOM_PRECEDENCE;
  }
}

/** A number as JavaScript source that reads back as the same number. */
function numberSource(v: number): string {
  return String(v);
}

/** `n` printed, in parentheses when it binds less tightly than `min`. */
function emitAt(n: Node, min: number): string {
  const s = emit(n);
  return precedenceOf(n) < min ? `(${s})` : s;
}

/**
 * The source of a tree: every piece printed from the tree (numbers by String, names from the
 * inputs and allow-lists), parentheses where written or where precedence needs them.
 */
function emit(n: Node): string {
  switch (n.kind) {
    case 'number':
      return numberSource(n.value);
    case 'input':
      return n.name;
    case 'constant':
      return `Math.${n.name}`;
    case 'call':
      return `${n.object}.${n.name}(${n.args.map(emit).join(', ')})`;
    case 'group':
      return `(${emit(n.inner)})`;
    case 'unary': {
      const arg = emitAt(n.arg, UNARY_PRECEDENCE);
      // `- -x`, not `--x` (a decrement).
      return n.op !== '!' && (arg.startsWith('-') || arg.startsWith('+')) ? `${n.op} ${arg}` : `${n.op}${arg}`;
    }
    case 'binary': {
      const p = PRECEDENCE[n.op];
      // Left-associative but for **, whose left operand must bind tighter (and never be a bare unary).
      const left = n.op === '**' ? emitAt(n.left, ATOM_PRECEDENCE) : emitAt(n.left, p);
      const right = n.op === '**' ? emitAt(n.right, p) : emitAt(n.right, p + 1);
      return `${left} ${n.op} ${right}`;
    }
    case 'cond':
      return `${emitAt(n.test, 1)} ? ${emitAt(n.then, 0)} : ${emitAt(n.else, 0)}`;
  }
}
