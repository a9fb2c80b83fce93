/** jupyterlab-plotly ships JavaScript only: the one export the harness uses, typed. */
declare module 'jupyterlab-plotly/lib/plotly-renderer' {
  import type { IRenderMime } from '@jupyterlab/rendermime';
  export const rendererFactory: IRenderMime.IRendererFactory;
}
