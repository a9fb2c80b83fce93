/** Animator's messages: live redraws as HTML only, the full figure bundle when done (lib/src/figure.ts). */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';

type Write = (data: { data: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void;
const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: Write | null };

describe('Animator in a kernel', () => {
  let saved: Write | null = null;
  const sent: { data: Record<string, unknown>; id: string | undefined; update: boolean }[] = [];
  beforeEach(() => {
    saved = jupyter.lastWriteDisplayData;
    sent.length = 0;
    jupyter.lastWriteDisplayData = (d, update) => sent.push({ data: d.data, id: d.transient.display_id, update });
  });
  afterEach(() => {
    jupyter.lastWriteDisplayData = saved;
  });

  it('redraws one display in place, HTML only while it runs, and the full bundle when done', () => {
    const anim = new d2l.Animator({ xlabel: 'epoch', ylabel: 'loss' });
    anim.add(0.5, 0.3);
    anim.add(1, 0.25);
    anim.done();
    const own = sent.filter((m) => m.id !== undefined);
    assert.equal(own.length, 3);
    assert.equal(new Set(own.map((m) => m.id)).size, 1, 'one display id');
    assert.deepEqual(own.map((m) => m.update), [false, true, true], 'shown once, then updated in place');
    for (const live of own.slice(0, 2)) assert.deepEqual(Object.keys(live.data).sort(), ['text/html', 'text/plain']);
    const last = own[2]!.data['application/vnd.plotly.v1+json'] as { data: { y: number[] }[] };
    assert.deepEqual(last.data[0]!.y, [0.3, 0.25]);
    assert.ok(String(own[1]!.data['text/html']).includes('"y":[0.3,0.25]'), 'the live HTML has every point so far');
  });
});
