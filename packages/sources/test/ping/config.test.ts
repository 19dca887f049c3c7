import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compilePingSource, loadPingSources, pingSourceFromFlags } from '@eventyard/sources';
import { tempDir } from '../../../../test/support/eventyard.ts';

// The example of Knative's PingSource documentation, unchanged.
const KNATIVE_EXAMPLE = `apiVersion: sources.knative.dev/v1
kind: PingSource
metadata:
  name: test-ping-source
  namespace: pingsource-example
spec:
  schedule: "*/1 * * * *"
  contentType: "application/json"
  data: '{"message": "Hello world!"}'
  sink:
    ref:
      apiVersion: v1
      kind: Service
      name: event-display
`;

function problems(spec: Record<string, unknown>): string[] {
  return compilePingSource({
    apiVersion: 'sources.knative.dev/v1',
    kind: 'PingSource',
    metadata: { name: 'p' },
    spec: { sink: { uri: 'http://localhost:8080/default/default' }, ...spec },
  }).problems.map((p) => `${p.path}: ${p.message}`);
}

test("Knative's PingSource YAML loads unchanged", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'ping.yaml'), KNATIVE_EXAMPLE);
  const { sources, problems: found } = await loadPingSources([dir]);
  assert.deepEqual(found, []);
  assert.equal(sources.length, 1);
  const [ping] = sources;
  assert.equal(ping!.schedule, '*/1 * * * *');
  assert.equal(ping!.sink, 'http://event-display.pingsource-example.svc.cluster.local');
  assert.equal(ping!.contentType, 'application/json');
  assert.equal(Buffer.from(ping!.data!).toString(), '{"message": "Hello world!"}');
});

test('schedules, time zones and payloads are checked as Knative does', () => {
  assert.deepEqual(problems({}), []);
  assert.deepEqual(problems({ schedule: '*/5 * * * * *' }), [], 'six fields: seconds first');
  assert.match(
    problems({ schedule: 'every minute' })[0]!,
    /^\/spec\/schedule: "every minute" is not a cron schedule/,
  );
  assert.match(problems({ schedule: '61 * * * *' })[0]!, /^\/spec\/schedule: /);
  assert.deepEqual(problems({ timezone: 'Mars/Olympus' }), [
    '/spec/timezone: unknown time zone "Mars/Olympus": use a tz database name such as Europe/Berlin or UTC',
  ]);
  assert.deepEqual(problems({ timezone: 'Europe/Berlin', schedule: '0 9 * * 1-5' }), []);
  assert.deepEqual(problems({ data: 'a', dataBase64: 'YQ==' }), [
    '/spec/dataBase64: data and dataBase64 are mutually exclusive; give one',
  ]);
  assert.deepEqual(problems({ dataBase64: 'not base64!' }), ['/spec/dataBase64: is not valid base64']);
  assert.match(
    problems({ data: '{oops', contentType: 'application/json' })[0]!,
    /^\/spec\/data: is not valid JSON, but contentType is application\/json/,
  );
  assert.deepEqual(problems({ jsonData: '{}' }), [
    '/spec/jsonData: unknown field "jsonData"; expected one of: schedule, timezone, contentType, data, dataBase64, sink, ceOverrides',
  ]);
  assert.deepEqual(problems({ sink: {} }), ['/spec/sink: needs a ref or a uri']);
});

test('flags build the same resource; JSON data defaults to application/json', () => {
  const { source } = pingSourceFromFlags({
    sink: 'http://localhost:8080/default/default',
    data: '{"a":1}',
    extensions: { team: 'ops' },
  });
  assert.equal(source?.contentType, 'application/json');
  assert.equal(source?.schedule, '* * * * *');
  assert.deepEqual(source?.extensions, { team: 'ops' });
  assert.equal(pingSourceFromFlags({ sink: 'http://x/y', data: 'plain' }).source?.contentType, undefined);
  assert.deepEqual(
    pingSourceFromFlags({ sink: 'http://x/y', extensions: { Bad_Name: 'x' } }).problems.map((p) => p.path),
    ['/spec/ceOverrides/extensions/Bad_Name'],
  );
});
