/**
 * The README's table of how sets flow through every op is read off the op table: each
 * primitive op's sparsity rule says how (its `how`), ops whose derivative is zero carry nothing,
 * element-wise ops share one rule. The test renders it and compares it with the README. After a
 * deliberate change, rewrite it with
 *
 *   AD_WRITE_PATTERN_TABLE=1 npx jest packages/sparse/test/pattern-table.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Op } from '@ad/core';
import { elementwisePattern, ops, patternRuleOf } from '@ad/core/engine';

const README = join(__dirname, '..', 'README.md');
const START = '<!-- pattern-table:start -->';
const END = '<!-- pattern-table:end -->';

function render(): string {
  const all = Object.values(ops as Record<string, Op<unknown>>).sort((a, b) => a.name.localeCompare(b.name));
  const names = (pick: (op: Op<unknown>) => boolean) =>
    all
      .filter(pick)
      .map((op) => `\`${op.name}\``)
      .join(', ');
  const none = names((op) => patternRuleOf(op) === 'none');
  const elementwise = names((op) => patternRuleOf(op) === elementwisePattern);
  const rows = all
    .filter((op) => patternRuleOf(op) !== 'none' && patternRuleOf(op) !== elementwisePattern)
    .map((op) => {
      const rule = patternRuleOf(op);
      return `| \`${op.name}\` | ${rule === undefined || rule === 'none' ? '**no rule: refused**' : rule.how} |`;
    });
  return [
    START,
    '| op | how the sets flow |',
    '| --- | --- |',
    `| ${elementwise} | ${elementwisePattern.how} |`,
    `| ${none} | derivative zero: no dependence |`,
    ...rows,
    END,
  ].join('\n');
}

test("the README's table of sparsity rules is the op table's", () => {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const table = render();
  if (process.env.AD_WRITE_PATTERN_TABLE === '1') {
    writeFileSync(README, text.slice(0, start) + table + text.slice(end + END.length));
    return;
  }
  expect(text.slice(start, end + END.length)).toBe(table);
});
