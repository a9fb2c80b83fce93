/**
 * The browser side of test/jupyterlab.test.ts: JupyterLab's own output area and rendermime (from
 * npm, bundled with esbuild), with or without plotly's JupyterLab renderer (jupyterlab-plotly,
 * registered at rank 0 as its mime extension is), showing a notebook's outputs the way JupyterLab
 * shows them. `window.labHarness` either renders stored outputs (a reopened notebook, trusted or
 * not) or replays a cell's recorded iopub messages one by one through the output area's kernel
 * future (a cell running live), and reports what the page drew after each step.
 */
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import type * as nbformat from '@jupyterlab/nbformat';
import { Widget } from '@lumino/widgets';
import { rendererFactory as plotlyFactory } from 'jupyterlab-plotly/lib/plotly-renderer';
import { inked } from '../inked';

/** How the front end is set up. */
export interface Setup {
  /** Outputs trusted (run in this session, or a trusted notebook) or not (reopened from disk). */
  trusted: boolean;
  /** Whether plotly's JupyterLab renderer is installed. */
  plotly: boolean;
}

/** One recorded iopub message (tools/iopub_log.py). */
export interface Message {
  msg_type: string;
  content: Record<string, unknown>;
}

/** What one output shows. */
export interface OutputView {
  /** The renderer's CSS classes, e.g. 'jp-RenderedPlotly' or 'jp-RenderedHTMLCommon jp-RenderedHTML'. */
  renderer: string;
  /** Every plotly graph in the output: whether it drew (an SVG) and its longest trace. */
  graphs: { svg: boolean; points: number }[];
  /**
   * Images that loaded and show (e.g. a static fallback): their size, and the share of their pixels
   * that are not white (drawn through a canvas; −1 where the browser would not let us read them).
   */
  images: { width: number; height: number; inked: number }[];
  text: string;
}

/** What the output area shows after one replayed message, and which output each display id is. */
export interface Step {
  outputs: OutputView[];
  displays: Record<string, number>;
}

const hosts = document.getElementById('cells')!;

function registry(setup: Setup): RenderMimeRegistry {
  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  if (setup.plotly) rendermime.addFactory(plotlyFactory, 0);
  return rendermime;
}

function newArea(setup: Setup, values: nbformat.IOutput[] = []): OutputArea {
  const model = new OutputAreaModel({ values, trusted: setup.trusted });
  const area = new OutputArea({ model, rendermime: registry(setup) });
  const host = document.createElement('div');
  host.className = 'cell';
  hosts.appendChild(host);
  Widget.attach(area, host);
  return area;
}

type Graph = HTMLElement & { data?: { y?: unknown[] }[] };

function view(area: OutputArea): OutputView[] {
  return area.widgets.map((panel) => {
    const node = panel.node;
    const rendered = node.querySelector('.jp-OutputArea-output');
    return {
      renderer: rendered ? rendered.className.split(/\s+/).filter((c) => c.startsWith('jp-Rendered')).join(' ') : '',
      graphs: Array.from(node.querySelectorAll<Graph>('.js-plotly-plot')).map((g) => ({
        svg: g.querySelector('.main-svg') !== null,
        points: Math.max(0, ...(g.data ?? []).map((t) => t.y?.length ?? 0)),
      })),
      images: Array.from(node.querySelectorAll('img'))
        .filter((img) => img.complete && img.naturalWidth > 0 && getComputedStyle(img).display !== 'none' && img.getBoundingClientRect().width > 0)
        .map((img) => ({ width: img.naturalWidth, height: img.naturalHeight, inked: inked(img) })),
      text: (node.textContent ?? '').trim().slice(0, 300),
    };
  });
}

/** Let renderers finish: plotly's draws after a promise, scripts may poll for window.Plotly. */
async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}

/** A stand-in for the kernel future an executing cell hands its output area. */
function fakeFuture(): { onIOPub: (msg: unknown) => void } {
  return {
    done: new Promise(() => undefined),
    onIOPub: () => undefined,
    onReply: () => undefined,
    onStdin: () => undefined,
    dispose: () => undefined,
    isDisposed: false,
  } as unknown as { onIOPub: (msg: unknown) => void };
}

const harness = {
  /** Show stored outputs, one output area per cell (a reopened notebook); what each shows. */
  async show(cells: nbformat.IOutput[][], setup: Setup): Promise<OutputView[][]> {
    hosts.textContent = '';
    const areas = cells.map((outputs) => newArea(setup, outputs));
    await settle(1500);
    return areas.map(view);
  },

  /**
   * Run one cell "live": feed its messages to a fresh output area through the kernel future, as
   * JupyterLab does while the cell runs, and report what it shows after each message.
   */
  async replay(messages: Message[], setup: Setup): Promise<Step[]> {
    const area = newArea(setup);
    const future = fakeFuture();
    area.future = future as unknown as OutputArea['future'];
    const displays: Record<string, number> = {};
    const steps: Step[] = [];
    for (const m of messages) {
      future.onIOPub({ header: { msg_type: m.msg_type }, parent_header: {}, metadata: {}, content: m.content, channel: 'iopub' });
      const id = (m.content['transient'] as { display_id?: string } | undefined)?.display_id;
      if (id !== undefined && m.msg_type === 'display_data') displays[id] = area.model.length - 1;
      await settle(30);
      steps.push({ outputs: view(area), displays: { ...displays } });
    }
    return steps;
  },

  clear(): void {
    hosts.textContent = '';
  },
};

(window as unknown as { labHarness: typeof harness }).labHarness = harness;
document.body.dataset['ready'] = '1';
