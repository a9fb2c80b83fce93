// No imports: the browser bundle of the playgrounds uses these colours too.
/** One colour per series position, the same in every figure and panel (d3's category10). */
export const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
