import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { readEmbeddedTopic } from '../support/log-reader.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';

test('a reply is appended to the broker and routed to another trigger; the TTL stops a reply loop', async (t) => {
  const dir = await tempDir(t);
  const risk = await startSubscriber(t);
  const approval = await startSubscriber(t);
  const echo = await startSubscriber(t);
  const plain = await startSubscriber(t);
  risk.respond((request, _n, res) => {
    res
      .writeHead(200, {
        'ce-specversion': '1.0',
        'ce-id': `assessed-${request.headers['ce-id']}`,
        'ce-source': '/risk-control',
        'ce-type': 'com.example.risk.assessed',
        'content-type': 'application/json',
      })
      .end(JSON.stringify({ score: 42 }));
  });
  // Replies with the very event it got: without the loop guard this would never end.
  echo.respond((request, n, res) => {
    res
      .writeHead(200, {
        'ce-specversion': '1.0',
        'ce-id': `echo-${n}`,
        'ce-source': '/echo',
        'ce-type': 'com.example.loop',
      })
      .end();
    void request;
  });
  plain.respond((_r, _n, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'));

  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('callcenter', 'default'),
      triggerYaml('risk', risk.url, {
        namespace: 'callcenter',
        spec: 'filters: [{ exact: { type: com.example.call.completed } }]',
      }),
      triggerYaml('approval', approval.url, {
        namespace: 'callcenter',
        spec: 'filters: [{ exact: { type: com.example.risk.assessed } }]',
      }),
      triggerYaml('echo', echo.url, {
        namespace: 'callcenter',
        spec: 'filters: [{ exact: { type: com.example.loop } }]',
      }),
      triggerYaml('plain', plain.url, {
        namespace: 'callcenter',
        spec: 'filters: [{ exact: { type: com.example.call.completed } }]',
      }),
    ),
  );
  const dataDir = `${dir}/data`;
  const broker = await startEventyard(['--config', dir, '--data-dir', dataDir]);
  t.after(() => broker.stop());
  const url = `${broker.url}/callcenter/default`;

  assert.equal(
    await postEvent(url, { id: 'call-1', type: 'com.example.call.completed' }, { intent: 'loan' }),
    202,
  );
  const [assessed] = await approval.waitFor(1);
  assert.equal(assessed!.headers['ce-id'], 'assessed-call-1');
  assert.equal(assessed!.headers['ce-source'], '/risk-control');
  assert.deepEqual(JSON.parse(assessed!.body.toString()), { score: 42 });
  await plain.waitFor(1);

  assert.equal(await postEvent(url, { id: 'loop-0', type: 'com.example.loop', knativebrokerttl: '3' }), 202);
  await echo.waitFor(3);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(
    echo.received.length,
    3,
    'TTL 3: the original and two replies are delivered, the third reply is dropped',
  );

  const metrics = await (await fetch(`${broker.url}/metrics`)).text();
  assert.match(
    metrics,
    /eventyard_dispatch_replies_total\{[^}]*trigger="echo"[^}]*outcome="ttl_exhausted"[^}]*\} 1/,
  );

  assert.equal(await broker.stop(), 0);
  const events = await readEmbeddedTopic(dataDir, 'eventyard-broker-callcenter-default');
  const reply = events.find((e) => e.attributes.id === 'assessed-call-1');
  assert.equal(reply?.attributes.knativebrokerttl, '254', 'a reply costs one hop');
  assert.equal(events.filter((e) => e.attributes.type === 'com.example.loop').length, 3);
  assert.equal(
    events.some((e) => e.attributes.source === '/plain'),
    false,
    'a non-CloudEvent answer is not a reply',
  );
});
