/**
 * The README's table of how every function of the op table batches is read off the table:
 * each primitive op's rule says how (its `how`), each composite batches through the functions
 * it is written with. The test renders it and compares it with the README, so the table cannot
 * drift from the rules. After a deliberate change, rewrite it with
 *
 *   AD_WRITE_BATCHING_TABLE=1 npx jest packages/vmap/test/batching-table.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Op } from '@ad/core';
import { isOp, table } from '@ad/core/engine';

const README = join(__dirname, '..', 'README.md');
const START = '<!-- batching-table:start -->';
const END = '<!-- batching-table:end -->';

/** One row per function of the table, element-wise ops grouped in one row (they share one rule). */
function render(): string {
  const entries = Object.values(table).sort((a, b) => a.name.localeCompare(b.name));
  const elementwise = entries.filter((e) => isOp(e) && (e as Op<unknown>).elementwise !== undefined).map((e) => `\`${e.name}\``);
  const rows = entries
    .filter((e) => !(isOp(e) && (e as Op<unknown>).elementwise !== undefined))
    .map((e) => {
      if (!isOp(e)) return `| \`${e.name}\` | composite | through the functions it is written with |`;
      const rule = (e as Op<unknown>).batch;
      return `| \`${e.name}\` | op | ${rule === undefined ? '**no rule: refused by vmap**' : rule.how} |`;
    });
  const sharedRule = (Object.values(table).find((e) => isOp(e) && (e as Op<unknown>).elementwise !== undefined) as Op<unknown>).batch;
  return [
    START,
    '| function | kind | how it batches |',
    '| --- | --- | --- |',
    `| ${elementwise.join(', ')} | element-wise op | ${sharedRule?.how} |`,
    ...rows,
    END,
  ].join('\n');
}

test("the README's batching table is the op table's", () => {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const table = render();
  if (process.env.AD_WRITE_BATCHING_TABLE === '1') {
    writeFileSync(README, text.slice(0, start) + table + text.slice(end + END.length));
    return;
  }
  expect(text.slice(start, end + END.length)).toBe(table);
});

test('every element-wise op shares the one element-wise rule', () => {
  const rules = new Set(
    Object.values(table)
      .filter((e) => isOp(e) && (e as Op<unknown>).elementwise !== undefined)
      .map((e) => (e as Op<unknown>).batch),
  );
  expect(rules.size).toBe(1);
});
