// DOM building without HTML strings: elements, attributes and text nodes only. Capture text
// (cache names, reasons, instance labels) always ends up in a Text node, never parsed as markup.
// Inline styles and inline event handlers are refused (the panel's CSP forbids them anyway).

type Child = Node | string | null | undefined | false;

export function el(tag: string, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'style' || /^on/i.test(k)) throw new Error(`refusing attribute ${k}`);
    e.setAttribute(k, v === true ? '' : v);
  }
  append(e, ...children);
  return e;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces the children of `parent` with text. */
export function setText(parent: Element, text: string): void {
  parent.textContent = text;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e as T;
}
