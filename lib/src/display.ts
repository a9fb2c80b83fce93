/**
 * Rich output to the Jupyter front end through the tslab kernel. tslab's public `display` sends one
 * MIME type per output; a figure needs several (plotly JSON for JupyterLab, HTML for classic notebook
 * and HTML export, plain text for terminals), so this goes through tslab's output writer directly.
 */

/** A MIME bundle: MIME type → content. */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (
  data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/** tslab's writer for the running cell, or undefined outside a tslab kernel (tests, scripts). */
function writer(): WriteDisplayData | undefined {
  try {
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}

let nextId = 0;

/** A display that can be replaced in place (Jupyter's update_display_data), e.g. a live loss curve. */
export class UpdatableDisplay {
  private shown = false;
  readonly id = `d2l-${process.pid}-${Date.now().toString(36)}-${nextId++}`;

  /** Show `bundle`, replacing what this display showed before. Returns false outside a kernel. */
  show(bundle: MimeBundle): boolean {
    const write = writer();
    if (!write) return false;
    write({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.shown);
    this.shown = true;
    return true;
  }
}

/** Emit one output with several MIME types; returns false outside a kernel. */
export function displayBundle(bundle: MimeBundle): boolean {
  const write = writer();
  if (!write) return false;
  write({ data: bundle, metadata: {}, transient: {} }, false);
  return true;
}
