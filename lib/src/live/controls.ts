/**
 * The few form controls the playgrounds are built from (sliders, linear or logarithmic; checkboxes;
 * a select), as plain DOM, styled inline so they look the same in Jupyter and in the book.
 */

/** A labelled control row: the label, the control, the value it shows. */
function row(parent: HTMLElement, label: string): { line: HTMLElement; value: HTMLElement } {
  const line = document.createElement('label');
  line.style.cssText = 'display:flex;align-items:center;gap:6px;margin:2px 0;font:13px sans-serif;';
  const name = document.createElement('span');
  name.textContent = label;
  name.style.cssText = 'min-width:8.5em;';
  const value = document.createElement('span');
  value.style.cssText = 'min-width:5em;font-variant-numeric:tabular-nums;';
  line.append(name);
  parent.append(line);
  return { line, value };
}

/** Options of `slider`. */
export interface SliderOptions {
  min: number;
  max: number;
  value: number;
  /** Logarithmic position (for learning rates, ε); values are rounded to 2 significant digits. */
  log?: boolean;
  /** Whole numbers only (steps, minibatch sizes), also on a logarithmic slider. */
  integer?: boolean;
  /** Step of a linear slider (default (max − min)/100). */
  step?: number;
  /** Name the tests and the page use to find it (data-control). */
  key: string;
  onInput(value: number): void;
}

const NOTCHES = 400;

/** A slider with its label and current value; returns the input element. */
export function slider(parent: HTMLElement, label: string, o: SliderOptions): HTMLInputElement {
  const { line, value } = row(parent, label);
  const input = document.createElement('input');
  input.type = 'range';
  input.dataset['control'] = o.key;
  input.style.cssText = 'width:12em;';
  const [lo, hi] = o.log ? [Math.log10(o.min), Math.log10(o.max)] : [o.min, o.max];
  if (o.log) {
    input.min = '0';
    input.max = String(NOTCHES);
    input.step = '1';
    input.value = String(Math.round(((Math.log10(o.value) - lo) / (hi - lo)) * NOTCHES));
  } else {
    input.min = String(o.min);
    input.max = String(o.max);
    input.step = String(o.step ?? (o.max - o.min) / 100);
    input.value = String(o.value);
  }
  const raw = (): number => (o.log ? Number((10 ** (lo + (Number(input.value) / NOTCHES) * (hi - lo))).toPrecision(2)) : Number(input.value));
  const read = (): number => (o.integer ? Math.round(raw()) : raw());
  const show = (v: number): void => {
    value.textContent = v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4) ? String(Number(v.toPrecision(4))) : v.toExponential(1);
  };
  show(o.value);
  input.addEventListener('input', () => {
    const v = read();
    show(v);
    o.onInput(v);
  });
  line.append(input, value);
  return input;
}

/** A checkbox with a coloured label. */
export function checkbox(parent: HTMLElement, label: string, checked: boolean, key: string, color: string, onChange: (on: boolean) => void): HTMLInputElement {
  const box = document.createElement('label');
  box.style.cssText = `display:inline-flex;align-items:center;gap:3px;margin-right:10px;font:13px sans-serif;color:${color};`;
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.checked = checked;
  input.dataset['control'] = key;
  input.addEventListener('change', () => onChange(input.checked));
  box.append(input, document.createTextNode(label));
  parent.append(box);
  return input;
}

/** A drop-down list of `choices` (value → label). */
export function select(parent: HTMLElement, label: string, choices: Record<string, string>, value: string, key: string, onChange: (v: string) => void): HTMLSelectElement {
  const { line } = row(parent, label);
  const input = document.createElement('select');
  input.dataset['control'] = key;
  for (const [v, text] of Object.entries(choices)) {
    const option = document.createElement('option');
    option.value = v;
    option.textContent = text;
    input.append(option);
  }
  input.value = value;
  input.addEventListener('change', () => onChange(input.value));
  line.append(input);
  return input;
}

/** A box for a group of controls. */
export function panel(parent: HTMLElement, title?: string): HTMLElement {
  const box = document.createElement('div');
  box.style.cssText = 'margin:4px 0 6px;';
  if (title) {
    const head = document.createElement('div');
    head.textContent = title;
    head.style.cssText = 'font:bold 13px sans-serif;margin:4px 0 2px;';
    box.append(head);
  }
  parent.append(box);
  return box;
}
