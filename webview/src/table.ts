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
  private readonly body = el('vscode-table-body', { slot: 'body' });
  private readonly pool: Row<R>[] = [];
  private sized = false;

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
    this.element.appendChild(this.body);
  }

  /** Shows `rows` (already sorted and filtered); marks the sort column and the selected rows. */
  render(rows: readonly R[], sort: { key: string; descending: boolean }, selected: ReadonlySet<string>): void {
    for (const [key, cell] of this.headerCells) {
      const c = this.o.columns.find((x) => x.key === key);
      const active = key === sort.key;
      cell.textContent = `${c?.label ?? key}${active ? (sort.descending ? ' ▼' : ' ▲') : ''}`;
      cell.setAttribute('aria-sort', active ? (sort.descending ? 'descending' : 'ascending') : 'none');
    }
    // A pool of row elements that stay where they are: showing other rows, or the same rows in
    // another order, rewrites their cells' text (cheap); creating or moving hundreds of
    // vscode-table-cell elements is what costs. Rows beyond the data are hidden.
    while (this.pool.length < rows.length) {
      const entry = this.row(rows[this.pool.length]);
      this.pool.push(entry);
      this.body.appendChild(entry.el);
    }
    this.pool.forEach((entry, i) => {
      const r = rows[i];
      if (r === undefined) {
        entry.el.hidden = true;
        delete entry.el.dataset.key;
        entry.el.classList.remove('selected');
        entry.el.setAttribute('aria-selected', 'false');
        return;
      }
      entry.data = r;
      this.fill(entry);
      entry.el.hidden = false;
      const on = selected.has(this.o.rowKey(r));
      entry.el.classList.toggle('selected', on);
      entry.el.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    // Column widths: the header and the body are two fixed-layout tables, sized by the header
    // cells and the body's first row. vscode-table (2.5) sizes both (and places its resize sashes)
    // when `columns` is set on a connected table: do that once there are rows, and give any cell
    // still without a width the column's.
    if (!this.sized && this.element.isConnected && this.pool.length) {
      this.sized = true;
      (this.element as HTMLElement & { columns: string[] }).columns = this.o.columns.map((c) => c.width);
    }
    const headers = [...this.headerCells.values()];
    headers.forEach((cell, i) => {
      if (!cell.style.width) cell.style.width = this.o.columns[i]?.width ?? 'auto';
    });
    this.pool[0]?.cells.forEach((cell, i) => {
      if (!cell.style.width) cell.style.width = headers[i]?.style.width || this.o.columns[i]?.width || 'auto';
    });
  }

  /** Marks the selected rows without touching anything else. */
  select(selected: ReadonlySet<string>): void {
    for (const entry of this.pool) {
      const on = !entry.el.hidden && selected.has(this.o.rowKey(entry.data));
      entry.el.classList.toggle('selected', on);
      entry.el.setAttribute('aria-selected', on ? 'true' : 'false');
    }
  }

  private row(r: R): Row<R> {
    const row = el('vscode-table-row', { tabindex: '0' });
    const cells = this.o.columns.map(() => el('vscode-table-cell'));
    row.append(...cells);
    const entry: Row<R> = { el: row, cells, data: r };
    this.fill(entry);
    row.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('button.link')) return;
      this.o.onSelect(entry.data, e.ctrlKey || e.metaKey);
    });
    row.addEventListener('keydown', (e) => {
      if (e.target === row && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        this.o.onSelect(entry.data, e.ctrlKey || e.metaKey);
      }
    });
    return entry;
  }

  /** Writes a row's data into its cells (text only; the link is a button whose text is the value). */
  private fill(entry: Row<R>): void {
    const r = entry.data;
    const key = this.o.rowKey(r);
    if (entry.el.dataset.key !== key) entry.el.dataset.key = key;
    this.o.columns.forEach((c, i) => {
      const cell = entry.cells[i];
      const cls = [c.numeric ? 'numeric' : '', c.className?.(r) ?? ''].filter(Boolean).join(' ');
      if (cell.className !== cls) cell.className = cls;
      const title = c.title?.(r);
      if (title === undefined) cell.removeAttribute('title');
      else if (cell.getAttribute('title') !== title) cell.setAttribute('title', title);
      const text = c.text(r);
      if (c.link?.(r) && this.o.onLink) {
        let b = cell.firstElementChild as HTMLElement | null;
        if (!b || b.tagName !== 'BUTTON') {
          b = el('button', { type: 'button', class: 'link' });
          b.addEventListener('click', (e) => {
            e.stopPropagation();
            this.o.onLink?.(entry.data);
          });
          cell.replaceChildren(b);
        }
        if (b.textContent !== text) b.textContent = text;
        const lt = c.linkTitle?.(r);
        if (lt !== undefined) b.setAttribute('title', lt);
      } else if (cell.firstElementChild || cell.textContent !== text) {
        cell.textContent = text;
      }
    });
  }
}

interface Row<R> {
  el: HTMLElement;
  cells: HTMLElement[];
  data: R;
}
