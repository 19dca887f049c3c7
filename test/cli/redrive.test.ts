import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, runEventyard, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';

const API = '/-/api/v1/namespaces/default/brokers/default/deadletters/redrive';

test('redrive: a malformed body is a coded 400, and each dead letter is redriven once unless asked again', async (t) => {
  const dir = await tempDir(t);
  const a = await startSubscriber(t);
  const b = await startSubscriber(t);
  a.respond((_r, _n, res) => res.writeHead(500).end());
  b.respond((_r, _n, res) => res.writeHead(500).end());
  const delivery = 'delivery: { retry: 0 }';
  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('default', 'default'),
      triggerYaml('a', a.url, { spec: `filters: [{ exact: { type: t.a } }]\n${delivery}` }),
      triggerYaml('b', b.url, { spec: `filters: [{ exact: { type: t.b } }]\n${delivery}` }),
    ),
  );
  const args = ['--config', dir, '--data-dir', `${dir}/data`];
  let broker = await startEventyard(args);
  t.after(() => broker.stop());
  assert.equal(await postEvent(`${broker.url}/default/default`, { id: 'a-1', type: 't.a' }), 202);
  assert.equal(await postEvent(`${broker.url}/default/default`, { id: 'b-1', type: 't.b' }), 202);
  await eventually(
    async () => {
      const list = await runEventyard(['dlq', 'list', '--broker', 'default/default', '--url', broker.url]);
      return list.stdout.includes('a-1') && list.stdout.includes('b-1');
    },
    20000,
    'both dead letters',
  );
  a.respond((_r, _n, res) => res.writeHead(200).end());
  b.respond((_r, _n, res) => res.writeHead(200).end());

  const post = async (body: string) => {
    const response = await fetch(`${broker.url}${API}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        code?: string;
        message?: string;
        details?: { field?: string };
        redriven?: number;
      },
    };
  };

  await t.test('malformed bodies answer 400 EY_INVALID_REQUEST saying what is wrong', async () => {
    const cases: Array<[string, RegExp, string | undefined]> = [
      ['{"trigger": ', /not valid JSON/, undefined],
      ['null', /must be a JSON object.*got null/, undefined],
      ['[]', /must be a JSON object.*got an array/, undefined],
      ['{"trigger": 5}', /"trigger" must be a string "namespace\/name", got 5/, 'trigger'],
      ['{"trigger": "a"}', /"trigger" must be a string "namespace\/name", got "a"/, 'trigger'],
      ['{"again": "yes"}', /"again" must be true or false/, 'again'],
      ['{"triger": "default/a"}', /unknown member "triger"/, 'triger'],
    ];
    for (const [body, message, field] of cases) {
      const answer = await post(body);
      assert.equal(answer.status, 400, body);
      assert.equal(answer.body.code, 'EY_INVALID_REQUEST', body);
      assert.match(answer.body.message ?? '', message, body);
      assert.equal(answer.body.details?.field, field, body);
    }
    assert.equal(a.received.length, 1, 'nothing was redriven');
    assert.equal(b.received.length, 1, 'nothing was redriven');
  });

  await t.test('whole broker, then one trigger, then after a restart: each dead letter once', async () => {
    const all = await runEventyard(['dlq', 'redrive', '--broker', 'default/default', '--url', broker.url]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /redriven 2 dead letter/);
    await a.waitFor(2);
    await b.waitFor(2);
    const one = await runEventyard([
      'dlq',
      'redrive',
      '--broker',
      'default/default',
      '--trigger',
      'default/a',
      '--url',
      broker.url,
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /redriven 0 dead letter/);

    assert.equal(await broker.stop(), 0);
    broker = await startEventyard(args);
    assert.equal((await post('{}')).body.redriven, 0, 'how far it was redriven survives a restart');
    assert.equal((await post('')).body.redriven, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(a.received.length, 2);
    assert.equal(b.received.length, 2);
  });

  await t.test('--again redrives them once more', async () => {
    const again = await runEventyard([
      'dlq',
      'redrive',
      '--broker',
      'default/default',
      '--trigger',
      'default/a',
      '--again',
      '--url',
      broker.url,
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /redriven 1 dead letter/);
    const [, , third] = await a.waitFor(3);
    assert.equal(third!.headers['ce-id'], 'a-1');
    assert.equal(b.received.length, 2, 'only the asked trigger');
  });
  assert.equal(await broker.stop(), 0);
});
