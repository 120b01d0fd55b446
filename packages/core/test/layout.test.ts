/**
 * The house's walls. `@ad/core` is what users call and `@ad/core/engine` the machinery the other
 * packages build with: no name is both (values and types alike). Inside core, imports run one
 * way — base (tensors, kernels) ← ops (the table) ← engine (dispatch, algebras, hosts) ← the
 * user surface — and the only circles are type-only ones inside ops/, which the table's types
 * need (signature.ts reads the table's type, the table is typed by the ops).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import * as core from '@ad/core';
import * as engine from '@ad/core/engine';

const SRC = join(__dirname, '..', 'src');

/** Every name a module exports, types included, as the type checker sees it. */
function exportedNames(file: string): Set<string> {
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`no source for ${file}`);
  const symbol = checker.getSymbolAtLocation(source);
  if (symbol === undefined) throw new Error(`${file} is not a module`);
  return new Set(checker.getExportsOfModule(symbol).map((s) => s.name));
}

test('no value is exported by both @ad/core and @ad/core/engine', () => {
  const both = Object.keys(core).filter((name) => name in engine);
  expect(both).toEqual([]);
});

test('no name, value or type, is exported by both entries', () => {
  const user = exportedNames(join(SRC, 'index.ts'));
  const machinery = exportedNames(join(SRC, 'engine', 'index.ts'));
  expect(user.size).toBeGreaterThan(100);
  expect(machinery.size).toBeGreaterThan(40);
  expect([...user].filter((n) => machinery.has(n))).toEqual([]);
  // The machinery the issue named is behind the wall.
  for (const name of [
    'compileFunction',
    'addGenerated',
    'compileKernel',
    'kernelSources',
    'KIND',
    'plainApply',
    'installScalarMethods',
    'allocate',
    'anyOps',
    'makeAlgebra',
  ]) {
    expect(user.has(name)).toBe(false);
    expect(machinery.has(name)).toBe(true);
  }
});

test("each function of the table is @ad/core's free function of that name, shadowed by nothing", () => {
  // (special.ts's scalar erf was once exported by name and hid the table's erf: erf(tensor) threw.)
  const functions = Object.values(engine.table).filter((e) => typeof e.method === 'function');
  expect(functions.length).toBeGreaterThan(80);
  const A = engine.anyOps as unknown as Record<string, unknown>;
  const shadowed = functions.map((e) => e.name).filter((name) => (core as Record<string, unknown>)[name] !== A[name]);
  expect(shadowed).toEqual([]);
  expect(core.erf(core.tensor([0.5])).toArray()).toEqual([0.5204998778130466]);
});

/** One import of core's sources: from, to (both relative to src), and whether only types cross. */
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    for (const s of source.statements) {
      if (!(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) || s.moduleSpecifier === undefined) continue;
      const spec = (s.moduleSpecifier as ts.StringLiteral).text;
      if (!spec.startsWith('.')) continue;
      let typeOnly: boolean;
      if (ts.isImportDeclaration(s)) {
        const clause = s.importClause;
        const named = clause?.namedBindings;
        typeOnly =
          clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              named !== undefined &&
              ts.isNamedImports(named) &&
              named.elements.length > 0 &&
              named.elements.every((e) => e.isTypeOnly)));
      } else typeOnly = s.isTypeOnly;
      const to = relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      out.push({ from: relative(SRC, file), to, typeOnly });
    }
  }
  return out;
}

/** The layer of a source file: 0 base, 1 ops, 2 engine, 3 the user surface. */
function layer(file: string): number {
  if (file.startsWith('engine/')) return 2;
  if (file.startsWith('ops/')) return 1;
  if (['index.ts', 'register-op.ts', 'gradcheck.ts', 'functions.generated.ts'].includes(file)) return 3;
  return 0;
}

test('inside core no import runs upward (base ← ops ← engine ← surface)', () => {
  const upward = edges()
    .filter((e) => layer(e.to) > layer(e.from))
    .map((e) => `${e.from} → ${e.to}`);
  expect(upward).toEqual([]);
});

/** The circles of a graph: each strongly connected component of more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function graphOf(list: readonly Edge[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const e of list) {
    if (!graph.has(e.from)) graph.set(e.from, []);
    if (!graph.has(e.to)) graph.set(e.to, []);
    graph.get(e.from)!.push(e.to);
  }
  return graph;
}

test('imports that carry values form no circle', () => {
  expect(circles(graphOf(edges().filter((e) => !e.typeOnly)))).toEqual([]);
});

test('the only circles are type-only ones inside ops/', () => {
  for (const circle of circles(graphOf(edges()))) expect(circle.filter((f) => !f.startsWith('ops/'))).toEqual([]);
});
