// Where a frame leads: the exact local source line when symbolisation found it inside a
// configured source root (`file:///…/kmem_test_main.c#L49`), else the web source browser —
// at the line when both the kernel-tree path and the kernel version are known, else at the
// symbol (kleak.sourceUrlTemplate).
import { pathToFileURL } from 'node:url';
import { Frame } from '../analysis/model';
import { baseSymbol } from '../analysis/symbols';
import { FrameResolution, ResolvedLocation } from '../analysis/symbolize/symbolizer';
import { cleanRelative, kernelRelativePath } from '../analysis/symbolize/sourcePaths';
import { DEFAULT_SOURCE_LINK_SETTINGS, SourceLinkSettings, sourceUrl } from './sourceLinks';

export interface FrameTarget {
  kind: 'local' | 'web-line' | 'web-symbol';
  /** A document link target (local: with a `#L<line>` fragment). */
  link: string;
  /** For go-to-definition: the uri without fragment and the 0-based line. */
  uri: string;
  line: number;
  tooltip: string;
}

const VERSION = /^[A-Za-z0-9._-]{1,64}$/;
const SEGMENT = /^[A-Za-z0-9_.+-]{1,255}$/;
/** Elixir's identifier search; its `/source/<file>#L<n>` sibling opens a line. */
const ELIXIR_IDENT = /^https:\/\/elixir\.bootlin\.com\/linux\/\{version\}\/C\/ident\/\{symbol\}$/;

/** A web URL of a line in a kernel tree, when the template and the version allow it. */
export function webLineUrl(kernelPath: string, line: number, settings: SourceLinkSettings): string | undefined {
  const version = settings.kernelVersion;
  if (!version || version === 'latest' || !VERSION.test(version) || !Number.isInteger(line) || line < 1) return undefined;
  const template = settings.sourceUrlTemplate || DEFAULT_SOURCE_LINK_SETTINGS.sourceUrlTemplate;
  if (!ELIXIR_IDENT.test(template)) return undefined;
  const rel = cleanRelative(kernelPath);
  if (!rel) return undefined;
  const segments = rel.split('/');
  if (!segments.every((s) => SEGMENT.test(s))) return undefined;
  return `https://elixir.bootlin.com/linux/${encodeURIComponent(version)}/source/${segments.map(encodeURIComponent).join('/')}#L${line}`;
}

export function localLink(loc: ResolvedLocation): { link: string; uri: string } | undefined {
  if (!loc.localPath) return undefined;
  // Parentheses are legal in URIs but end a Markdown link destination: encode them too.
  const uri = pathToFileURL(loc.localPath).href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  return { link: `${uri}#L${loc.line}`, uri };
}

/** The printed or resolved location of a frame, if any. */
function locationOf(frame: Frame, resolution: FrameResolution | undefined): ResolvedLocation | undefined {
  if (resolution?.location) return resolution.location;
  if (frame.file && frame.fileLine !== undefined) {
    return { file: frame.file, line: frame.fileLine, kernelPath: kernelRelativePath(frame.file) };
  }
  return undefined;
}

export function frameTarget(frame: Frame, resolution: FrameResolution | undefined, settings: SourceLinkSettings): FrameTarget | undefined {
  const symbol = frame.symbol ?? resolution?.symbolized?.symbol;
  const name = symbol ? baseSymbol(symbol) : undefined;
  const loc = locationOf(frame, resolution);
  if (loc) {
    const local = localLink(loc);
    if (local) {
      return { kind: 'local', link: local.link, uri: local.uri, line: loc.line - 1, tooltip: `Open ${loc.localPath}:${loc.line}${name ? ` (${name})` : ''}` };
    }
    const web = loc.kernelPath ? webLineUrl(loc.kernelPath, loc.line, settings) : undefined;
    if (web) return { kind: 'web-line', link: web, uri: web, line: 0, tooltip: `Open ${loc.kernelPath}:${loc.line} in the kernel source` };
  }
  const url = symbol ? sourceUrl({ ...frame, symbol }, settings) : undefined;
  if (!url) return undefined;
  return { kind: 'web-symbol', link: url, uri: url, line: 0, tooltip: `Open ${frame.symbol ?? symbol} in the kernel source` };
}
