import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';

/** Waits until the subscriber got nothing new for `quietMs`, or more than `limit` requests. */
async function settle(received: () => number, limit: number, quietMs: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline && received() <= limit) {
    const now = received();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (now > 0 && Date.now() - since >= quietMs) {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a TTL that is not an integer in range is reset to 255: an echo loop ends after 255 hops', async (t) => {
  const dir = await tempDir(t);
  const echo = await startSubscriber(t);
  // Replies with an event of the type it got, so its own trigger receives the reply again.
  echo.respond((_request, n, res) => {
    res
      .writeHead(200, {
        'ce-specversion': '1.0',
        'ce-id': `echo-${n}`,
        'ce-source': '/echo',
        'ce-type': 'com.example.loop',
        // A subscriber cannot reset the loop guard either: the broker sets the reply's TTL.
        'ce-knativebrokerttl': '99999999999999999999',
      })
      .end();
  });
  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('loop', 'default'),
      triggerYaml('echo', echo.url, {
        namespace: 'loop',
        spec: 'filters: [{ exact: { type: com.example.loop } }]',
      }),
    ),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());

  for (const ttl of ['99999999999999999999', '1e400', 'lots']) {
    const before = echo.received.length;
    assert.equal(
      await postEvent(`${broker.url}/loop/default`, {
        id: `loop-${ttl}`,
        type: 'com.example.loop',
        knativebrokerttl: ttl,
      }),
      202,
      ttl,
    );
    await settle(() => echo.received.length - before, 255, 1500, 60000);
    const hops = echo.received.length - before;
    assert.equal(hops, 255, `TTL ${ttl}: the event and 254 replies are delivered, then the loop stops`);
    assert.equal(echo.received.at(-1)!.headers['ce-knativebrokerttl'], undefined, 'subscribers never see it');
  }

  const metrics = await (await fetch(`${broker.url}/metrics`)).text();
  assert.match(
    metrics,
    /eventyard_dispatch_replies_total\{[^}]*trigger="echo"[^}]*outcome="ttl_exhausted"[^}]*\} 3\n/,
  );
  assert.match(
    metrics,
    /eventyard_dispatch_replies_total\{[^}]*trigger="echo"[^}]*outcome="appended"[^}]*\} 762\n/,
  );
  assert.equal(await broker.stop(), 0);
});
