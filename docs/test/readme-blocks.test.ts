/**
 * Every TypeScript block of the READMEs type-checks under `strict`, as a user's module would:
 * nested derivatives, gradients and tangents are written without casts, so the types must carry
 * them. (The guide's code lives in docs/examples/*.ts, which the test command type-checks.)
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '../..');
const readmes = [join(root, 'README.md'), ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'README.md'))].filter((f) => {
  try {
    readFileSync(f);
    return true;
  } catch {
    return false;
  }
});

interface Block {
  readme: string;
  line: number;
  code: string;
}

/** The ```ts blocks of a Markdown file, with the line each starts on. */
function blocksOf(readme: string): Block[] {
  const lines = readFileSync(readme, 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    out.push({ readme, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

test('every ```ts block of the READMEs compiles under strict, with @ad/* as a user imports it', () => {
  const blocks = readmes.flatMap(blocksOf);
  expect(blocks.length).toBeGreaterThan(30);
  const dir = mkdtempSync(join(tmpdir(), 'ad-readme-'));
  try {
    const files = blocks.map((b, i) => {
      const file = join(dir, `block-${i}.ts`);
      // Each block is its own module (its imports at the top), as in a user's file.
      writeFileSync(file, `${b.code}\nexport {};\n`);
      return file;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      baseUrl: root,
      paths: {
        '@ad/core/engine': ['packages/core/src/engine/index.ts'],
        '@ad/nn/node': ['packages/nn/src/node-only.ts'],
        '@ad/*': ['packages/*/src/index.ts'],
      },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName.startsWith(dir))
      .map((d) => {
        const i = Number(/block-(\d+)\.ts$/.exec(d.file!.fileName)![1]);
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const b = blocks[i];
        return `${relative(root, b.readme)}:${b.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
