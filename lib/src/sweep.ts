/**
 * A learning-rate sweep as one figure (notebook 02): final loss against learning rate, per optimizer
 * the spread over seeds, and where runs diverged.
 */
import { axisLayout, Figure, SERIES_COLORS, Trace } from './figure';

/** One optimizer in a learning-rate sweep: finals[i][k] is the final loss at the i-th rate for the k-th seed, undefined where that run diverged. */
export interface SweepSeries {
  name: string;
  finals: (number | undefined)[][];
}

/** Labels and the optional vertical reference line of `sweepFigure`. */
export interface SweepOptions {
  xlabel?: string;
  ylabel?: string;
  /** A learning rate to mark with a dotted vertical line (e.g. SGD's stability limit). */
  limit?: number;
  limitName?: string;
  width?: number;
  height?: number;
}

/**
 * Final loss against learning rate on log axes (notebook 02): per series the median over seeds of the
 * finished runs with bars from the lowest to the highest, and a cross along the top edge at every rate
 * where some run diverged. The loss axis spans every finished run, so nothing is clipped.
 */
export function sweepFigure(rates: number[], series: SweepSeries[], options: SweepOptions = {}): Figure {
  series.forEach((s) => {
    if (s.finals.length !== rates.length) throw new RangeError(`${s.name}: ${s.finals.length} rows of final losses for ${rates.length} learning rates`);
  });
  const done = (row: (number | undefined)[]): number[] => row.filter((l): l is number => l !== undefined && Number.isFinite(l));
  const everything = series.flatMap((s) => s.finals.flatMap(done));
  if (everything.length === 0) throw new RangeError('sweepFigure: every run diverged, there is nothing to plot');
  const [low, high] = [Math.min(...everything), Math.max(...everything)];
  const crossAt = high * 1.6; // above every finished run
  const data: Trace[] = [];
  series.forEach((s, k) => {
    const color = SERIES_COLORS[k % SERIES_COLORS.length]!;
    const stats = s.finals.map((row) => {
      const xs = done(row).sort((a, b) => a - b);
      return xs.length === 0 ? null : { median: xs[Math.floor(xs.length / 2)]!, min: xs[0]!, max: xs[xs.length - 1]! };
    });
    data.push({
      type: 'scatter', mode: 'lines+markers', name: s.name, x: rates, y: stats.map((st) => st?.median ?? null), line: { color },
      error_y: { type: 'data', symmetric: false, array: stats.map((st) => (st ? st.max - st.median : 0)), arrayminus: stats.map((st) => (st ? st.median - st.min : 0)), color, thickness: 1.5, width: 4 },
    });
    const diverged = rates.filter((_, i) => s.finals[i]!.some((l) => l === undefined || !Number.isFinite(l)));
    if (diverged.length > 0) {
      data.push({ type: 'scatter', mode: 'markers', name: `${s.name} diverged`, x: diverged, y: diverged.map(() => crossAt), marker: { symbol: 'x', size: 10, color } });
    }
  });
  if (options.limit !== undefined) {
    data.push({ type: 'scatter', mode: 'lines', name: options.limitName ?? 'limit', x: [options.limit, options.limit], y: [low * 0.8, crossAt * 1.2], line: { dash: 'dot', color: 'gray' } });
  }
  const layout: Record<string, unknown> = {
    xaxis: axisLayout(options.xlabel ?? 'learning rate', [Math.min(...rates) / 2, Math.max(...rates) * 2], 'log'),
    yaxis: axisLayout(options.ylabel ?? 'final loss', [low * 0.8, crossAt * 1.3], 'log'),
    width: options.width ?? 640,
    height: options.height ?? 400,
    margin: { l: 70, r: 20, t: 20, b: 50 },
    showlegend: true,
    template: { layout: { font: { family: 'sans-serif' } } },
  };
  return { data, layout };
}
