/** Result tables for notebooks (notebook 02 and others): an HTML table with an aligned text copy. */
import { displayBundle, MimeBundle } from './display';

/** One cell of a table: text, or a number printed as given (format it first, e.g. with toFixed). */
export type TableCell = string | number;

const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?%?$/i;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A table as a MIME bundle: an HTML table and an aligned plain-text copy. A column is right-aligned
 * when at least half of its non-empty cells are numbers, so a stray word such as 'diverged' does not
 * break the alignment of a numeric column.
 */
export function tableBundle(header: string[], rows: TableCell[][]): MimeBundle {
  rows.forEach((row, i) => {
    if (row.length !== header.length) throw new RangeError(`row ${i} has ${row.length} cells for ${header.length} columns`);
  });
  const text = rows.map((row) => row.map(String));
  const numeric = header.map((_, c) => {
    const filled = text.map((row) => row[c]!).filter((v) => v !== '');
    return filled.length > 0 && 2 * filled.filter((v) => NUMERIC.test(v)).length >= filled.length;
  });
  const align = (c: number) => (numeric[c] ? ' style="text-align:right"' : '');
  const html =
    '<table>\n<thead><tr>' + header.map((h, c) => `<th${align(c)}>${escapeHtml(h)}</th>`).join('') + '</tr></thead>\n<tbody>\n' +
    text.map((row) => '<tr>' + row.map((v, c) => `<td${align(c)}>${escapeHtml(v)}</td>`).join('') + '</tr>').join('\n') +
    '\n</tbody>\n</table>';
  const widths = header.map((h, c) => Math.max(h.length, ...text.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd();
  const plain = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
  return { 'text/html': html, 'text/plain': plain };
}

/**
 * Show a table in the notebook (HTML, with a text fallback); outside a kernel it does nothing. It
 * returns nothing, so a cell may end with it without printing a value.
 */
export function showTable(header: string[], rows: TableCell[][]): void {
  displayBundle(tableBundle(header, rows));
}
