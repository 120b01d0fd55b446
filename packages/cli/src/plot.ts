/**
 * Pictures as SVG, rendered without a browser: a Vega-Lite spec is compiled to Vega and drawn
 * by Vega's headless view (`toSVG`, the renderer Vega uses server-side). Both libraries are
 * loaded only when a picture is drawn, so commands that draw none start faster.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from './run-record.js';

const FONT = 'Helvetica, Arial, sans-serif';

/** Compiles and renders a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
  } finally {
    view.finalize();
  }
}

/** Loss (train and test) and test accuracy per epoch, side by side. */
export function learningCurvesSpec(title: string, history: readonly EpochRecord[]): TopLevelSpec {
  const values = history.flatMap((h) => [
    { epoch: h.epoch, panel: 'loss', series: 'train loss', value: h.trainLoss },
    { epoch: h.epoch, panel: 'loss', series: 'test loss', value: h.testLoss },
    { epoch: h.epoch, panel: 'accuracy', series: 'test accuracy', value: h.testAccuracy },
  ]);
  const x = { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' }, scale: { nice: false } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, font: FONT },
    config: { font: FONT, view: { stroke: '#ddd' } },
    data: { values },
    // Each panel keeps its own legend, so the loss legend can sit inside the loss panel.
    resolve: { legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'loss per epoch',
        width: 320,
        height: 220,
        transform: [{ filter: "datum.panel === 'loss'" }],
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'mean loss', scale: { zero: false } },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: ['train loss', 'test loss'], range: ['#4c78a8', '#f58518'] },
            legend: { orient: 'top-right', fillColor: 'white' },
          },
        },
      },
      {
        title: 'test accuracy per epoch',
        width: 320,
        height: 220,
        transform: [{ filter: "datum.panel === 'accuracy'" }],
        mark: { type: 'line', color: '#54a24b', point: { filled: true, color: '#54a24b' } },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'accuracy', axis: { format: '.1%' }, scale: { zero: false } },
        },
      },
    ],
  };
}

/** One cell of the crossover picture: the cost of forward mode over reverse mode at (n, m). */
export interface CrossoverCell {
  n: number;
  m: number;
  /** forward ÷ reverse, by measured time. */
  timeRatio: number;
  /** forward ÷ reverse, by counted kernel work. */
  workRatio: number;
}

/**
 * Heat maps of forward ÷ reverse cost over (n inputs, m outputs), by time and by work: blue
 * where forward mode is cheaper (small n), red where reverse mode is (small m). Colours are on
 * a log₂ scale centred on 1 (equal cost).
 */
export function crossoverSpec(title: string, cells: readonly CrossoverCell[]): TopLevelSpec {
  const values = cells.flatMap((c) => [
    { n: c.n, m: c.m, panel: 'by measured time', ratio: c.timeRatio, log2: Math.log2(c.timeRatio) },
    { n: c.n, m: c.m, panel: 'by kernel work', ratio: c.workRatio, log2: Math.log2(c.workRatio) },
  ]);
  const limit = Math.max(1, ...values.map((v) => Math.abs(v.log2)).filter(Number.isFinite));
  const panel = (name: string) => ({
    title: `forward ÷ reverse, ${name}`,
    width: { step: 44 },
    height: { step: 30 },
    transform: [{ filter: `datum.panel === '${name}'` }],
    encoding: {
      x: { field: 'n', type: 'ordinal', title: 'n (inputs)', sort: 'ascending' },
      y: { field: 'm', type: 'ordinal', title: 'm (outputs)', sort: 'descending' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'log2',
            type: 'quantitative',
            title: 'log₂(fwd ÷ rev)',
            scale: { scheme: 'redblue', reverse: true, domain: [-limit, limit], domainMid: 0 },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'ratio', type: 'quantitative', format: '.2~r' },
          color: { condition: { test: `abs(datum.log2) > ${limit * 0.6}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'blue: forward mode cheaper (few inputs) · red: reverse mode cheaper (few outputs)', font: FONT },
    config: { font: FONT, view: { stroke: null } },
    data: { values },
    hconcat: [panel('by measured time'), panel('by kernel work')],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}

/** One entry of a colored sparsity pattern: row i, column j, and the colors of its column and row. */
export interface ColoredEntry {
  i: number;
  j: number;
  columnColor: number;
  rowColor: number;
}

/**
 * The pattern of a sparse Jacobian twice: each entry colored by its column's color (the forward
 * seeds: columns of one color never share a row, so one pass recovers them all) and by its row's
 * color (the reverse seeds: rows of one color never share a column).
 */
export function coloredPatternSpec(
  title: string,
  shape: readonly [number, number],
  entries: readonly ColoredEntry[],
  colors: { columns: number; rows: number },
): TopLevelSpec {
  const [m, n] = shape;
  const cell = Math.max(4, Math.min(14, Math.floor(360 / Math.max(m, n))));
  const values = entries.flatMap((e) => [
    { i: e.i, j: e.j, panel: 'columns', color: e.columnColor + 1 },
    { i: e.i, j: e.j, panel: 'rows', color: e.rowColor + 1 },
  ]);
  const panel = (name: 'columns' | 'rows', heading: string) => ({
    title: heading,
    width: cell * n,
    height: cell * m,
    transform: [{ filter: `datum.panel === '${name}'` }],
    mark: { type: 'rect', stroke: 'white', strokeWidth: cell > 6 ? 1 : 0 },
    encoding: {
      x: {
        field: 'j',
        type: 'ordinal',
        title: `column j (input, ${n})`,
        axis: n > 40 ? null : { labelAngle: 0 },
        scale: { domain: Array.from({ length: n }, (_, j) => j) },
      },
      y: { field: 'i', type: 'ordinal', title: `row i (output, ${m})`, axis: m > 40 ? null : {}, scale: { domain: Array.from({ length: m }, (_, i) => i) } },
      color: { field: 'color', type: 'nominal', title: 'color', scale: { scheme: 'category10' } },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'an entry per possible nonzero of the Jacobian; same color = same seed', font: FONT },
    config: { font: FONT, view: { stroke: '#ddd' } },
    data: { values },
    hconcat: [
      panel('columns', `columns by color: ${colors.columns} forward seed${colors.columns === 1 ? '' : 's'} instead of ${n}`),
      panel('rows', `rows by color: ${colors.rows} reverse seed${colors.rows === 1 ? '' : 's'} instead of ${m}`),
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
