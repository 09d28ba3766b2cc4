/**
 * Line charts rendered server-side for reports under docs/: a Vega-Lite spec compiled to Vega,
 * rendered to SVG without a browser or canvas, then rasterised to PNG by resvg.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export interface Panel {
  title: string;
  /** Axis title of the values. */
  unit: string;
  /** Series name → the sample field that holds it. */
  series: Record<string, string>;
}

/** One row per sample: `minute` (x) and the fields the panels name. */
export async function linePanelsPng(rows: ReadonlyArray<Record<string, number>>, panels: readonly Panel[], title: string): Promise<Buffer> {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, fontSize: 14 },
    data: { values: rows },
    vconcat: panels.map((panel) => ({
      width: 680,
      height: 170,
      title: panel.title,
      transform: [
        { fold: Object.values(panel.series), as: ['field', 'value'] },
        { calculate: `(${JSON.stringify(Object.fromEntries(Object.entries(panel.series).map(([name, field]) => [field, name])))})[datum.field]`, as: 'series' },
      ],
      mark: { type: 'line', point: false, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'minute', type: 'quantitative', title: 'minutes into the run' },
        y: { field: 'value', type: 'quantitative', title: panel.unit, scale: { zero: true } },
        color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'right', labelLimit: 400 } },
      },
    })),
    resolve: { scale: { color: 'independent' } },
    config: { font: 'sans-serif', background: 'white' },
  };
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng();
}
