/**
 * What an editor shows: a small file calling `x.sin()` on every kind is type-checked by the
 * TypeScript language service (with the repository's test configuration, so `@ad/*` resolve to
 * the sources), and hovering each call shows sin's doc comment — its math included — because
 * the methods are declared one by one with their docs (engine/methods.generated.ts). A method
 * of an op registered by module augmentation is typed on every kind too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');
/** The probe lives only in memory, beside this test (so `@ad/*` resolve as for any test). */
const PROBE = join(__dirname, 'hover-probe.ts');

const PROBE_TEXT = `import { tensor, type MethodContext, type Op, type Self } from '@ad/core';
import { Dual, DualTensor } from '@ad/forward';
import { Var, TensorVar } from '@ad/reverse';
import { Tracer, TensorTracer } from '@ad/jit';

declare const steOp: Op<undefined>;
declare module '@ad/core' {
  interface OpTable {
    ste: typeof steOp & { readonly method: (c: MethodContext, x: Self) => Self; readonly scalar: true };
  }
}

declare const d: Dual;
declare const dt: DualTensor;
declare const v: Var;
declare const tv: TensorVar;
declare const tr: Tracer;
declare const tt: TensorTracer;
const t = tensor([1, 2]);

export const sins = [t.sin(), d.sin(), dt.sin(), v.sin(), tv.sin(), tr.sin(), tt.sin()];
export const sums = [t.sum(0, true), tv.sum([0], false)];
export const registered = [t.ste(), d.ste(), v.ste(), tv.ste()];
`;

/** The language service over the probe and whatever it imports, with tsconfig.test.json's options. */
function languageService(): ts.LanguageService {
  const configFile = join(ROOT, 'tsconfig.test.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [PROBE],
    getScriptVersion: () => '1',
    getScriptSnapshot: (file) => {
      if (file === PROBE) return ts.ScriptSnapshot.fromString(PROBE_TEXT);
      return ts.sys.fileExists(file) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(file) ?? '') : undefined;
    },
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (file) => file === PROBE || ts.sys.fileExists(file),
    readFile: (file) => (file === PROBE ? PROBE_TEXT : ts.sys.readFile(file)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}

/** sin's doc comment as written in the op table (ops/unary.ts), without the comment markers. */
function sinDoc(): string {
  const file = join(ROOT, 'packages/core/src/ops/unary.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const d = statement.declarationList.declarations[0];
    if (ts.isIdentifier(d.name) && d.name.text === 'sin') {
      const doc = ts.getJSDocCommentsAndTags(statement).filter(ts.isJSDoc).at(-1);
      return ts.getTextOfJSDocComment(doc?.comment) ?? '';
    }
  }
  throw new Error('no sin in ops/unary.ts');
}

const service = languageService();

/** The quick info (what hovering shows) at the first occurrence of `member` after `receiver`. */
function hover(receiver: string, member: string): { signature: string; documentation: string } {
  const at = PROBE_TEXT.indexOf(`${receiver}.${member}(`);
  if (at < 0) throw new Error(`no ${receiver}.${member}( in the probe`);
  const info = service.getQuickInfoAtPosition(PROBE, at + receiver.length + 1);
  if (info === undefined) throw new Error(`no quick info at ${receiver}.${member}`);
  return { signature: ts.displayPartsToString(info.displayParts), documentation: ts.displayPartsToString(info.documentation) };
}

test('the probe type-checks: every kind has the methods of the table and of a registered op', () => {
  const diagnostics = [...service.getSyntacticDiagnostics(PROBE), ...service.getSemanticDiagnostics(PROBE)];
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
});

test("sin's doc comment is in the table, with its forward rule", () => {
  expect(sinDoc()).toContain('ẏ = cos(x)·ẋ');
});

test.each([
  ['t', 'Tensor'],
  ['d', 'Dual'],
  ['dt', 'DualTensor'],
  ['v', 'Var'],
  ['tv', 'TensorVar'],
  ['tr', 'Tracer'],
  ['tt', 'TensorTracer'],
])("hovering %s.sin() shows sin's doc and returns a %s", (receiver, kind) => {
  const { signature, documentation } = hover(receiver, 'sin');
  expect(documentation).toBe(sinDoc());
  expect(documentation).toContain('ẏ = cos(x)·ẋ');
  expect(signature).toContain(`sin: () => ${kind}`);
});

test("hovering a method with parameters shows their names and the method's doc", () => {
  const { signature, documentation } = hover('t', 'sum');
  expect(signature).toMatch(/sum: \(axis\?: Axis( \| undefined)?, keepdims\?: boolean( \| undefined)?\) => Tensor/);
  expect(documentation).not.toBe('');
});

test("a registered op's method has the type its OpTable entry declares, on every kind", () => {
  expect(hover('t', 'ste').signature).toContain('ste: () => Tensor');
  expect(hover('d', 'ste').signature).toContain('ste: () => Dual');
  expect(hover('v', 'ste').signature).toContain('ste: () => Var');
  expect(hover('tv', 'ste').signature).toContain('ste: () => TensorVar');
});
