import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, writeManifest } from '../support/manifests.ts';

/** `eventyard_ingress_events_total` of one broker: event type → code → value. */
async function eventSeries(baseUrl: string, broker: string): Promise<Map<string, Map<string, number>>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const series = new Map<string, Map<string, number>>();
  const line =
    /^eventyard_ingress_events_total\{namespace="([^"]*)",broker="([^"]*)",event_type="([^"]*)",code="(\d+)"\} (\d+)$/gm;
  for (const match of text.matchAll(line)) {
    if (`${match[1]}/${match[2]}` !== broker) continue;
    let codes = series.get(match[3]!);
    if (codes === undefined) {
      codes = new Map();
      series.set(match[3]!, codes);
    }
    codes.set(match[4]!, Number(match[5]));
  }
  return series;
}

function total(series: Map<string, Map<string, number>>, code = '202'): number {
  let sum = 0;
  for (const codes of series.values()) sum += codes.get(code) ?? 0;
  return sum;
}

async function postBatch(url: string, types: string[]): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(types.map((type, i) => ({ specversion: '1.0', id: `e-${i}`, source: '/t', type }))),
  });
  await response.body?.cancel();
  return response.status;
}

test('2,000 distinct ce-type values: at most 100 type series and "other" per broker, the totals add up', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'brokers.yaml', documents(brokerYaml('ns', 'a'), brokerYaml('ns', 'b')));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());

  const types = Array.from({ length: 2000 }, (_, i) => `com.example.type-${i}`);
  for (let i = 0; i < types.length; i += 500) {
    assert.equal(await postBatch(`${broker.url}/ns/a`, types.slice(i, i + 500)), 202);
  }
  assert.equal(await postBatch(`${broker.url}/ns/b`, ['com.example.only']), 202);
  // A rejected request is counted too, with no type.
  const rejected = await fetch(`${broker.url}/ns/a`, { method: 'POST', headers: { 'ce-id': 'x' } });
  assert.equal(rejected.status, 400);

  for (let scrape = 0; scrape < 2; scrape++) {
    const a = await eventSeries(broker.url, 'ns/a');
    assert.ok(a.size <= 101, `broker ns/a has ${a.size} event_type values`);
    assert.ok(a.has('other'));
    assert.equal(total(a), 2000, 'every accepted event is counted once');
    assert.equal(total(a, '400'), 1);
    const b = await eventSeries(broker.url, 'ns/b');
    assert.deepEqual([...b.keys()], ['com.example.only'], 'each broker has its own top types');
  }
  const text = await (await fetch(`${broker.url}/metrics`)).text();
  assert.ok(text.length < 200_000, `the scrape is ${text.length} bytes`);
});

test('a type that becomes frequent takes the series of the least frequent one; counts move to "other"', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('ns', 'a'));
  const broker = await startEventyard([
    '--config',
    dir,
    '--data-dir',
    `${dir}/data`,
    '--metrics-event-types',
    '3',
  ]);
  t.after(() => broker.stop());
  const url = `${broker.url}/ns/a`;

  assert.equal(await postBatch(url, ['t1', 't2', 't2', 't3', 't3', 't4']), 202);
  let series = await eventSeries(broker.url, 'ns/a');
  assert.deepEqual([...series.keys()].sort(), ['other', 't1', 't2', 't3']);
  assert.equal(series.get('other')?.get('202'), 1, 't4 came when three types had their series');

  assert.equal(
    await postBatch(
      url,
      Array.from({ length: 20 }, () => 'hot'),
    ),
    202,
  );
  series = await eventSeries(broker.url, 'ns/a');
  assert.equal(series.has('t1'), false, 't1, the least frequent type, lost its series');
  assert.equal(series.get('other')?.get('202'), 22, 'what t1 and hot counted so far is in "other"');
  assert.equal(total(series), 26);

  assert.equal(await postBatch(url, ['hot', 'hot', 't1']), 202);
  series = await eventSeries(broker.url, 'ns/a');
  assert.equal(series.get('hot')?.get('202'), 2, 'hot has its own series from now on');
  assert.equal(series.get('other')?.get('202'), 23);
  assert.ok(series.size <= 4);
  assert.equal(total(series), 29);
});

test('--metrics-event-types must be a whole number', async () => {
  const { runEventyard } = await import('../support/eventyard.ts');
  const result = await runEventyard(['start', '--config', '.', '--metrics-event-types', 'lots']);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--metrics-event-types must be a whole number from 0 to 10000, got "lots"/);
});
