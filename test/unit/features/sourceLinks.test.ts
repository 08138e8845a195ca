import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sourceUrl, DEFAULT_SOURCE_LINK_SETTINGS } from '../../../server/src/features/sourceLinks';
import { Frame, range } from '../../../server/src/analysis/model';

const frame = (symbol: string | undefined): Frame => ({ symbol, address: 'ffffffffc08ea070', inline: false, unreliable: false, range: range(0, 0, 1), symbolRange: range(0, 0, 1) });

describe('source links', () => {
  it('fills the default template with the base symbol and latest', () => {
    assert.equal(sourceUrl(frame('nvme_tcp_setup_ctrl.cold.57'), DEFAULT_SOURCE_LINK_SETTINGS), 'https://elixir.bootlin.com/linux/latest/C/ident/nvme_tcp_setup_ctrl');
    assert.equal(sourceUrl(frame('.__kmalloc'), { ...DEFAULT_SOURCE_LINK_SETTINGS, kernelVersion: 'v6.8' }), 'https://elixir.bootlin.com/linux/v6.8/C/ident/__kmalloc');
  });

  it('never builds a link from a non-web template or from hostile capture text', () => {
    for (const t of ['command:workbench.action.terminal.sendSequence?{symbol}', 'file:///etc/{symbol}', 'javascript:alert(1)//{symbol}']) {
      assert.match(sourceUrl(frame('kfree'), { sourceUrlTemplate: t, kernelVersion: '' })!, /^https:\/\/elixir\.bootlin\.com\//, t);
    }
    assert.equal(sourceUrl(frame('<img src=x onerror=alert(1)>'), DEFAULT_SOURCE_LINK_SETTINGS), undefined);
    assert.equal(sourceUrl(frame(undefined), DEFAULT_SOURCE_LINK_SETTINGS), undefined);
    const v = sourceUrl(frame('kfree'), { ...DEFAULT_SOURCE_LINK_SETTINGS, kernelVersion: 'v6.1/../../x?y' })!;
    assert.equal(v, 'https://elixir.bootlin.com/linux/latest/C/ident/kfree');
  });
});
