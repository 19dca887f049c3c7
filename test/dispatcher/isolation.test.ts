import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';

const FAILING_MS = Number(process.env.EVENTYARD_ISOLATION_MS ?? 20000);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

test('a subscriber that keeps failing does not delay another trigger on the same broker', {
  timeout: FAILING_MS + 60000,
}, async (t) => {
  const dir = await tempDir(t);
  const healthy = await startSubscriber(t);
  const failing = await startSubscriber(t);
  failing.respond((_r, _n, res) => res.writeHead(503).end('down for maintenance'));
  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('default', 'default'),
      triggerYaml('healthy', healthy.url),
      // Every event matches both; the failing one waits seconds between attempts (durable retry topic).
      triggerYaml('failing', failing.url, {
        spec: 'delivery: { retry: 20, backoffPolicy: exponential, backoffDelay: PT1S }',
      }),
    ),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const url = `${broker.url}/default/default`;

  const sentAt = new Map<string, number>();
  const send = async (phase: string, count: number, perSecond: number) => {
    for (let i = 0; i < count; i++) {
      const id = `${phase}-${i}`;
      sentAt.set(id, performance.now());
      assert.equal(await postEvent(url, { id, type: 'com.example.tick' }, { i }), 202);
      await new Promise((r) => setTimeout(r, 1000 / perSecond));
    }
  };
  const latencies = (phase: string) =>
    healthy.received
      .filter((r) => String(r.headers['ce-id']).startsWith(`${phase}-`))
      .map((r) => r.at - sentAt.get(String(r.headers['ce-id']))!);

  // Before: the failing subscriber has nothing to retry yet.
  failing.respond((_r, _n, res) => res.writeHead(200).end());
  await send('before', 40, 40);
  await healthy.waitFor(40);
  failing.respond((_r, _n, res) => res.writeHead(503).end('down for maintenance'));
  const during = Math.round((FAILING_MS / 1000) * 40);
  await send('during', during, 40);
  await healthy.waitFor(40 + during);

  const before = latencies('before');
  const whileFailing = latencies('during');
  const p99Before = percentile(before, 99);
  const p99During = percentile(whileFailing, 99);
  t.diagnostic(
    `healthy trigger p50/p99 before ${percentile(before, 50).toFixed(1)}/${p99Before.toFixed(1)} ms, while the other fails ${percentile(whileFailing, 50).toFixed(1)}/${p99During.toFixed(1)} ms; failing subscriber got ${failing.received.length} requests`,
  );
  assert.ok(failing.received.length > during, 'the failing subscriber kept being retried');
  assert.ok(
    p99During < Math.max(250, p99Before * 5),
    `p99 went from ${p99Before.toFixed(1)} to ${p99During.toFixed(1)} ms`,
  );
  assert.ok(Math.max(...whileFailing) < 1000, 'no healthy delivery waited for a retry of the failing one');
});
