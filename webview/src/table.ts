// A sortable table of rows on @vscode-elements/elements' vscode-table: click (or Enter on) a
// header to sort, click a row to select it (Ctrl/Cmd-click to add), and an optional link column
// (a button styled as a link: no navigation to intercept). Built with DOM calls only.
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import { el } from './dom';

export interface Column<R> {
  key: string;
  label: string;
  /** Initial width for vscode-table's `columns` (e.g. "28%", "auto"). */
  width: string;
  numeric?: boolean;
  text(r: R): string;
  title?(r: R): string | undefined;
  className?(r: R): string | undefined;
  /** Render the cell as a link (a button) when this says so. */
  link?(r: R): boolean;
  /** Tooltip of the link. */
  linkTitle?(r: R): string;
}

export interface TableOptions<R> {
  columns: Column<R>[];
  ariaLabel: string;
  rowKey(r: R): string;
  onSort(key: string): void;
  onSelect(r: R, additive: boolean): void;
  onLink?(r: R): void;
}

export class DataTable<R> {
  readonly element: HTMLElement;
  private readonly headerCells = new Map<string, HTMLElement>();

  constructor(private readonly o: TableOptions<R>) {
    this.element = el('vscode-table', { zebra: true, 'bordered-columns': true, resizable: true, 'aria-label': o.ariaLabel });
    (this.element as HTMLElement & { columns: string[] }).columns = o.columns.map((c) => c.width);
    const header = el('vscode-table-header', { slot: 'header' });
    for (const c of o.columns) {
      const cell = el('vscode-table-header-cell', { tabindex: '0', role: 'columnheader', 'data-key': c.key, class: c.numeric ? 'numeric sortable' : 'sortable' }, c.label);
      cell.addEventListener('click', () => o.onSort(c.key));
      cell.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          o.onSort(c.key);
        }
      });
      this.headerCells.set(c.key, cell);
      header.appendChild(cell);
    }
    this.element.appendChild(header);
    this.element.appendChild(el('vscode-table-body', { slot: 'body' }));
  }

  /** Shows `rows` (already sorted and filtered); marks the sort column and the selected rows. */
  render(rows: readonly R[], sort: { key: string; descending: boolean }, selected: ReadonlySet<string>): void {
    for (const [key, cell] of this.headerCells) {
      const c = this.o.columns.find((x) => x.key === key);
      const active = key === sort.key;
      cell.textContent = `${c?.label ?? key}${active ? (sort.descending ? ' ▼' : ' ▲') : ''}`;
      cell.setAttribute('aria-sort', active ? (sort.descending ? 'descending' : 'ascending') : 'none');
    }
    // A new body element. vscode-table (2.5) sizes the columns of the body's first row on slot
    // change but caches those cells: forget the old ones, and size the new first row here too
    // (its body is a fixed-layout table: the first row's widths are the columns').
    const body = el('vscode-table-body', { slot: 'body' });
    for (const r of rows) body.appendChild(this.row(r, selected.has(this.o.rowKey(r))));
    this.element.querySelector('vscode-table-body')?.remove();
    (this.element as unknown as { _cellsOfFirstRow?: unknown[] })._cellsOfFirstRow = [];
    const first = body.firstElementChild;
    if (first) {
      [...first.children].forEach((cell, i) => {
        const header = [...this.headerCells.values()][i];
        (cell as HTMLElement).style.width = header?.style.width || this.o.columns[i]?.width || 'auto';
      });
    }
    this.element.appendChild(body);
  }

  private row(r: R, isSelected: boolean): HTMLElement {
    const row = el('vscode-table-row', { tabindex: '0', 'aria-selected': isSelected ? 'true' : 'false', class: isSelected ? 'selected' : undefined, 'data-key': this.o.rowKey(r) });
    for (const c of this.o.columns) {
      const cls = [c.numeric ? 'numeric' : '', c.className?.(r) ?? ''].filter(Boolean).join(' ');
      const cell = el('vscode-table-cell', { class: cls || undefined, title: c.title?.(r) });
      const text = c.text(r);
      if (c.link?.(r) && this.o.onLink) {
        const b = el('button', { type: 'button', class: 'link', title: c.linkTitle?.(r) }, text);
        b.addEventListener('click', (e) => {
          e.stopPropagation();
          this.o.onLink?.(r);
        });
        cell.appendChild(b);
      } else {
        cell.textContent = text;
      }
      row.appendChild(cell);
    }
    row.addEventListener('click', (e) => this.o.onSelect(r, e.ctrlKey || e.metaKey));
    row.addEventListener('keydown', (e) => {
      if (e.target === row && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        this.o.onSelect(r, e.ctrlKey || e.metaKey);
      }
    });
    return row;
  }
}
