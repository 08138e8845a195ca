// Where a frame's function lives in the kernel source: a web source browser URL built from
// the `kleak.sourceUrlTemplate` setting. Only http(s) templates are honoured, and only
// identifier characters from the capture (at most 512 of them) reach the URL.
import { Frame } from '../analysis/model';
import { baseSymbol } from '../analysis/symbols';

export interface SourceLinkSettings {
  sourceUrlTemplate: string;
  kernelVersion: string;
}

export const DEFAULT_SOURCE_LINK_SETTINGS: SourceLinkSettings = {
  sourceUrlTemplate: 'https://elixir.bootlin.com/linux/{version}/C/ident/{symbol}',
  kernelVersion: '',
};

/** A C identifier no longer than the kernel's KSYM_NAME_LEN (512): a 100 KB "symbol" gets no 100 KB link. */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,511}$/;
const VERSION = /^[A-Za-z0-9._-]+$/;

export function sourceUrl(frame: Frame, settings: SourceLinkSettings): string | undefined {
  if (!frame.symbol) return undefined;
  const symbol = baseSymbol(frame.symbol);
  if (!IDENT.test(symbol)) return undefined;
  const template = /^https?:\/\//.test(settings.sourceUrlTemplate) ? settings.sourceUrlTemplate : DEFAULT_SOURCE_LINK_SETTINGS.sourceUrlTemplate;
  const version = VERSION.test(settings.kernelVersion) ? settings.kernelVersion : 'latest';
  return template.replaceAll('{version}', encodeURIComponent(version)).replaceAll('{symbol}', encodeURIComponent(symbol));
}
