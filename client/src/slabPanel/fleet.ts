// `kleak: Import Slab Metrics from Prometheus`: the fleet view. Queries kleak.prometheus.url for
// node_exporter's slab metrics over a chosen range (prometheus.ts), ranks the instances by
// SUnreclaim growth and shows them in the slab panel's fleet mode. Errors say what to do.
import * as vscode from 'vscode';
import { FleetDto, SlabPanelOrigin } from '../../../server/src/protocol';
import { PrometheusError, queryFleet } from './prometheus';
import { SlabPanelManager } from './slabPanel';

export const IMPORT_PROMETHEUS_COMMAND = 'kleak.importSlabMetrics';

const RANGES: { label: string; seconds: number }[] = [
  { label: 'Last 15 minutes', seconds: 15 * 60 },
  { label: 'Last hour', seconds: 3600 },
  { label: 'Last 6 hours', seconds: 6 * 3600 },
  { label: 'Last 24 hours', seconds: 86400 },
  { label: 'Last 7 days', seconds: 7 * 86400 },
];

async function loadFleet(origin: Extract<SlabPanelOrigin, { kind: 'fleet' }>): Promise<FleetDto> {
  const cfg = vscode.workspace.getConfiguration('kleak');
  const end = Date.now() / 1000;
  return queryFleet({
    url: origin.url,
    selector: cfg.get<string>('prometheus.selector', ''),
    start: end - origin.rangeSeconds,
    end,
    cacheInstances: Math.max(1, Math.min(50, cfg.get<number>('prometheus.cacheInstances', 10))),
  });
}

export function registerSlabFleet(context: vscode.ExtensionContext, manager: SlabPanelManager): void {
  manager.fleetLoader = loadFleet;
  context.subscriptions.push(
    vscode.commands.registerCommand(IMPORT_PROMETHEUS_COMMAND, async () => {
      const cfg = vscode.workspace.getConfiguration('kleak');
      let url = cfg.get<string>('prometheus.url', '').trim();
      if (!url) {
        const typed = await vscode.window.showInputBox({
          title: 'kleak: Import Slab Metrics from Prometheus',
          prompt: 'URL of the Prometheus server that scrapes node_exporter (saved as kleak.prometheus.url)',
          value: 'http://127.0.0.1:9090',
          validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http:// or https:// URL'),
        });
        if (!typed) return;
        url = typed.trim();
        await cfg.update('prometheus.url', url, vscode.ConfigurationTarget.Global);
      }
      const preset = cfg.get<number>('prometheus.rangeMinutes', 60) * 60;
      const items = RANGES.map((r) => ({ ...r, picked: r.seconds === preset, description: r.seconds === preset ? '(kleak.prometheus.rangeMinutes)' : undefined }));
      if (!items.some((i) => i.picked)) items.unshift({ label: `Last ${Math.round(preset / 60)} minutes`, seconds: preset, picked: true, description: '(kleak.prometheus.rangeMinutes)' });
      const range = await vscode.window.showQuickPick(
        items.sort((a, b) => Number(b.picked) - Number(a.picked)),
        { title: `kleak: slab metrics from ${url}`, placeHolder: 'Time range to rank the instances over' },
      );
      if (!range) return;
      const origin = { kind: 'fleet' as const, url, rangeSeconds: range.seconds };
      try {
        const fleet = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `kleak: querying ${url}…` },
          () => loadFleet(origin),
        );
        manager.show(origin, fleet);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const settings = e instanceof PrometheusError && ['config', 'unreachable', 'auth', 'not-prometheus', 'no-data'].includes(e.kind);
        const choice = await vscode.window.showErrorMessage(`kleak: ${message}`, ...(settings ? ['Open Settings'] : []));
        if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'kleak.prometheus');
      }
    }),
  );
}
