import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PING_EVENT_TYPE, pingSourceFromFlags, startPingSources } from '@eventyard/sources';
import { Registry } from 'prom-client';
import { startSink } from '../helpers.ts';

test('fires on a seconds schedule with the fixed payload, as Knative PingSource events', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => res.writeHead(202).end());
  const { source } = pingSourceFromFlags({
    name: 'heartbeat',
    namespace: 'callcenter',
    sink: sink.url,
    schedule: '* * * * * *',
    data: '{"check":"health"}',
    extensions: { team: 'ops' },
  });
  const registry = new Registry();
  const pings = startPingSources({ sources: [source!], registry });
  t.after(() => pings.stop());
  const next = pings.nextRuns().get('callcenter/heartbeat');
  assert.ok(next && next.getTime() - Date.now() <= 1000);
  const received = await sink.waitFor(2, 5000);
  const [first, second] = received;
  for (const request of [first!, second!]) {
    assert.equal(request.headers['ce-type'], PING_EVENT_TYPE);
    assert.equal(request.headers['ce-source'], '/apis/v1/namespaces/callcenter/pingsources/heartbeat');
    assert.equal(request.headers['ce-team'], 'ops');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.body.toString(), '{"check":"health"}');
  }
  assert.notEqual(first!.headers['ce-id'], second!.headers['ce-id']);
  const gap = Date.parse(String(second!.headers['ce-time'])) - Date.parse(String(first!.headers['ce-time']));
  // Ticks sit on second boundaries; a busy machine may fire one late, never a second early.
  assert.ok(gap >= 500 && gap <= 1600, `about one second apart, got ${gap} ms`);
  await pings.stop();
  const count = sink.received.length;
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(sink.received.length, count, 'no ticks after stop');
  assert.match(
    await registry.metrics(),
    /eventyard_source_events_total\{kind="ping",source="callcenter\/heartbeat",outcome="accepted"\} [2-9]/,
  );
});

test('a paused source fires only when asked; a refusing sink is retried, then counted', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => res.writeHead(500).end('down'));
  const { source } = pingSourceFromFlags({ sink: sink.url, schedule: '* * * * * *' });
  const registry = new Registry();
  const pings = startPingSources({
    sources: [{ ...source!, delivery: { ...source!.delivery, backoffDelayMs: 1 } }],
    registry,
    paused: true,
  });
  t.after(() => pings.stop());
  const result = await pings.fire('default', 'ping');
  assert.ok(!result.ok);
  assert.equal(result.attempts, 6, "Knative's PingSource: 5 retries");
  assert.equal(result.status, 500);
  assert.equal(sink.received.length, 6);
  assert.equal(sink.received[0]!.body.length, 0);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(sink.received.length, 6, 'paused: no scheduled ticks');
  assert.match(await registry.metrics(), /outcome="failed"\} 1/);
});
