import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, runEventyard, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';

const type = (name: string) => `filters: [{ exact: { type: ${name} } }]`;

test('retries, backoff, Retry-After, timeouts and dead letters as the delivery spec says', async (t) => {
  const dir = await tempDir(t);
  const retryable = await startSubscriber(t);
  const fatal = await startSubscriber(t);
  const throttled = await startSubscriber(t);
  const capped = await startSubscriber(t);
  const slow = await startSubscriber(t);
  const sink = await startSubscriber(t);
  const lost = await startSubscriber(t);

  const statuses = [500, 503, 404, 408, 409, 429];
  retryable.respond((_r, n, res) => res.writeHead(statuses[n - 1] ?? 200).end());
  fatal.respond((_r, _n, res) =>
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad order: missing customer'),
  );
  throttled.respond((_r, n, res) =>
    res.writeHead(n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '1' } : {}).end(),
  );
  capped.respond((_r, n, res) =>
    res.writeHead(n === 1 ? 503 : 200, n === 1 ? { 'retry-after': '30' } : {}).end(),
  );
  slow.respond((_r, n, res) => {
    if (n === 1) setTimeout(() => res.writeHead(200).end(), 1500);
    else res.writeHead(200).end();
  });
  lost.respond((_r, _n, res) => res.writeHead(500).end('always down'));

  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('default', 'default'),
      triggerYaml('retryable', retryable.url, {
        spec: `${type('retryable')}\ndelivery: { retry: 6, backoffPolicy: linear, backoffDelay: PT0.05S }`,
      }),
      triggerYaml('fatal', fatal.url, {
        spec: `${type('fatal')}\ndelivery: { retry: 5, backoffDelay: PT0.05S, deadLetterSink: { uri: "${sink.url}" } }`,
      }),
      triggerYaml('throttled', throttled.url, {
        spec: `${type('throttled')}\ndelivery: { retry: 2, backoffDelay: PT0.01S, retryAfterMax: PT5S }`,
      }),
      triggerYaml('capped', capped.url, {
        spec: `${type('capped')}\ndelivery: { retry: 2, backoffDelay: PT0.01S, retryAfterMax: PT0.3S }`,
      }),
      triggerYaml('slow', slow.url, {
        spec: `${type('slow')}\ndelivery: { retry: 2, backoffDelay: PT0.01S, timeout: PT0.2S }`,
      }),
      triggerYaml('lost', lost.url, {
        spec: `${type('lost')}\ndelivery: { retry: 1, backoffDelay: PT0.01S, deadLetterSink: { uri: "http://127.0.0.1:1/" } }`,
      }),
    ),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const url = `${broker.url}/default/default`;
  for (const name of ['retryable', 'fatal', 'throttled', 'capped', 'slow', 'lost']) {
    assert.equal(await postEvent(url, { id: `${name}-1`, type: name }, { order: 1 }), 202);
  }

  await t.test('500, 503, 404, 408, 409 and 429 are retried, with linear backoff', async () => {
    const got = await retryable.waitFor(7);
    assert.equal(got.length, 7);
    const gaps = got.slice(1).map((r, i) => r.at - got[i]!.at);
    // linear: delay × n with ±20% jitter, n from 1 (50, 100, ... 300 ms)
    for (const [i, gap] of gaps.entries()) {
      const expected = 50 * (i + 1);
      assert.ok(
        gap >= expected * 0.8 - 5 && gap <= expected * 1.2 + 150,
        `gap ${i + 1} was ${gap.toFixed(0)} ms, expected ~${expected}`,
      );
    }
  });

  await t.test(
    'a 400 is not retried and goes to the dead-letter sink with the error extensions',
    async () => {
      const [dead] = await sink.waitFor(1);
      assert.equal(fatal.received.length, 1);
      assert.equal(dead!.headers['ce-id'], 'fatal-1');
      assert.equal(dead!.headers['ce-knativeerrorcode'], '400');
      assert.equal(dead!.headers['ce-knativeerrordest'], fatal.url);
      assert.equal(
        Buffer.from(String(dead!.headers['ce-knativeerrordata']), 'base64').toString(),
        'bad order: missing customer',
      );
      assert.equal(dead!.headers['ce-eventyardtrigger'], 'default/fatal');
      assert.equal(dead!.headers['ce-eventyardattempts'], '1');
      assert.deepEqual(JSON.parse(dead!.body.toString()), { order: 1 });
    },
  );

  await t.test('Retry-After is honoured on 429, and capped by retryAfterMax on 503', async () => {
    const got = await throttled.waitFor(2);
    const gap = got[1]!.at - got[0]!.at;
    assert.ok(gap >= 950 && gap < 3000, `waited ${gap.toFixed(0)} ms for Retry-After: 1`);
    const cappedGot = await capped.waitFor(2);
    const cappedGap = cappedGot[1]!.at - cappedGot[0]!.at;
    assert.ok(
      cappedGap >= 250 && cappedGap < 1500,
      `waited ${cappedGap.toFixed(0)} ms with retryAfterMax PT0.3S`,
    );
  });

  await t.test('a subscriber slower than the timeout is tried again', async () => {
    const got = await slow.waitFor(2);
    const gap = got[1]!.at - got[0]!.at;
    assert.ok(
      gap < 1200,
      `second attempt came ${gap.toFixed(0)} ms after the first, not after its 1.5 s answer`,
    );
  });

  await t.test(
    'when the sink is down too, the event lands in the dead-letter topic and dlq list shows it',
    async () => {
      await eventually(
        async () => {
          const list = await runEventyard([
            'dlq',
            'list',
            '--broker',
            'default/default',
            '--url',
            broker.url,
          ]);
          return list.stdout.includes('lost-1');
        },
        20000,
        'the dead letter of lost-1',
      );
      const list = await runEventyard(['dlq', 'list', '--broker', 'default/default', '--url', broker.url]);
      assert.equal(list.code, 0);
      assert.match(
        list.stdout,
        /lost-1 +lost +default\/lost +2 +500 +the dead-letter sink http:\/\/127\.0\.0\.1:1\/ failed/,
      );
      assert.equal(lost.received.length, 2);
    },
  );

  await t.test('dlq redrive gives the dead letter back to its trigger, once', async () => {
    lost.respond((_r, _n, res) => res.writeHead(200).end());
    const redrive = await runEventyard([
      'dlq',
      'redrive',
      '--broker',
      'default/default',
      '--url',
      broker.url,
    ]);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.match(redrive.stdout, /redriven 1 dead letter/);
    const [again] = (await lost.waitFor(3)).slice(2);
    assert.equal(again!.headers['ce-id'], 'lost-1');
    assert.equal(again!.headers['ce-knativeerrorcode'], undefined, 'the failure extensions are gone');
    assert.equal(again!.headers['ce-eventyardtrigger'], undefined);
    const twice = await runEventyard(['dlq', 'redrive', '--broker', 'default/default', '--url', broker.url]);
    assert.match(twice.stdout, /redriven 0 dead letter/);
  });
});
