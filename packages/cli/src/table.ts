/** Plain-text tables: a header, a rule, and columns padded to their widest cell. */

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/** Renders rows under headers; numbers are usually right-aligned, names left-aligned. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = columns.map((c, j) => Math.max(width(c.header), ...rows.map((r) => width(r[j] ?? ''))));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, j) => (columns[j].align === 'right' ? pad(cell, widths[j], true) : pad(cell, widths[j], false)))
      .join('  ')
      .trimEnd();
  const rule = indent + widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(columns.map((c) => c.header)), rule, ...rows.map((r) => line(r))].join('\n');
}

/** Display width: code points, so ẋ and ₁ count as one column each. */
function width(s: string): number {
  // Combining marks (the dot of ẋ written as x + U+0307) take no column.
  return [...s.normalize('NFC')].filter((ch) => !/\p{M}/u.test(ch)).length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}
