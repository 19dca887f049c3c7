// Interoperability with an independent client: the CloudEvents JavaScript SDK, over real HTTP.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  emitterFor,
  HTTP,
  httpTransport,
  Kafka,
  type KafkaMessage,
  Mode,
  CloudEvent as SdkEvent,
} from 'cloudevents';
import {
  fromLogRecord,
  type ParsedRequest,
  parseHttpRequest,
  toHttpBinary,
  toHttpStructured,
  toLogRecord,
} from '../../src/event/index.ts';
import type { CloudEvent } from '../../src/types.ts';
import { text, utf8 } from './helpers.ts';

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A real HTTP server that parses each request with parseHttpRequest and records the result. */
async function startReceiver(t: { after(fn: () => unknown): void }) {
  const received: ParsedRequest[] = [];
  const server = createServer(async (request, response) => {
    try {
      received.push(parseHttpRequest(request.headers, await readBody(request)));
      response.writeHead(202).end();
    } catch (error) {
      response.writeHead(400).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, received };
}

const sdkEvent = (extra: Record<string, unknown> = {}) =>
  new SdkEvent({
    id: 'evt-1',
    source: '/crm/webhooks',
    type: 'com.example.lead.created',
    time: '2024-05-01T12:00:00.000Z',
    subject: 'lead/42',
    tenant: 'acme',
    ...extra,
  });

for (const mode of [Mode.BINARY, Mode.STRUCTURED]) {
  test(`the SDK's ${mode} emitter reaches us over HTTP with every attribute and the data`, async (t) => {
    const { url, received } = await startReceiver(t);
    const emit = emitterFor(httpTransport(url), { mode });
    const response = (await emit(
      sdkEvent({
        datacontenttype: 'application/json',
        data: { name: 'Ada', score: 80 },
        knativebrokerttl: 255,
      }),
    )) as { body: string };
    assert.equal(response.body, '');
    assert.equal(received.length, 1);
    const { mode: parsedMode, events } = received[0]!;
    assert.equal(parsedMode, mode === Mode.BINARY ? 'binary' : 'structured');
    const { datacontenttype, ...attributes } = events[0]!.attributes;
    assert.deepEqual(attributes, {
      specversion: '1.0',
      id: 'evt-1',
      source: '/crm/webhooks',
      type: 'com.example.lead.created',
      time: '2024-05-01T12:00:00.000Z',
      subject: 'lead/42',
      tenant: 'acme',
      knativebrokerttl: '255',
    });
    assert.match(datacontenttype!, /^application\/json/);
    assert.deepEqual(JSON.parse(text(events[0]!.data)!), { name: 'Ada', score: 80 });
  });
}

test("the SDK's structured event with binary data arrives as the same bytes", () => {
  const message = HTTP.structured(
    sdkEvent({ datacontenttype: 'application/octet-stream', data: new Uint8Array([0, 1, 254, 255]) }),
  );
  const { events } = parseHttpRequest(
    message.headers as Record<string, string>,
    utf8(message.body as string),
  );
  assert.deepEqual([...events[0]!.data!], [0, 1, 254, 255]);
});

test("the SDK's binary text event arrives with its content type", () => {
  const message = HTTP.binary(sdkEvent({ datacontenttype: 'text/plain', data: 'hello' }));
  const { events } = parseHttpRequest(
    message.headers as Record<string, string>,
    utf8(message.body as string),
  );
  assert.equal(events[0]!.attributes.datacontenttype, 'text/plain');
  assert.equal(text(events[0]!.data), 'hello');
});

const ours: CloudEvent = {
  attributes: {
    specversion: '1.0',
    id: 'evt-1',
    source: '/crm/webhooks',
    type: 'com.example.lead.created',
    time: '2024-05-01T12:00:00.000Z',
    subject: 'lead/42',
    datacontenttype: 'application/json',
    tenant: 'acme',
    knativebrokerttl: '254',
  },
  data: utf8('{"name":"Ada","score":80}'),
};

function assertSdkSees(event: SdkEvent<unknown>): void {
  assert.equal(event.specversion, '1.0');
  assert.equal(event.id, 'evt-1');
  assert.equal(event.source, '/crm/webhooks');
  assert.equal(event.type, 'com.example.lead.created');
  assert.equal(event.time, '2024-05-01T12:00:00.000Z');
  assert.equal(event.subject, 'lead/42');
  assert.equal(event.tenant, 'acme');
  assert.equal(Number(event.knativebrokerttl), 254);
  assert.deepEqual(event.data, { name: 'Ada', score: 80 });
}

/** A real HTTP server that decodes each request with the SDK's HTTP.toEvent. */
async function startSdkReceiver(t: { after(fn: () => unknown): void }) {
  const received: Array<SdkEvent<unknown>> = [];
  const server = createServer(async (request, response) => {
    try {
      const body = (await readBody(request)).toString('utf8');
      received.push(HTTP.toEvent({ headers: request.headers, body }) as SdkEvent<unknown>);
      response.writeHead(202).end();
    } catch (error) {
      response.writeHead(400).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received };
}

for (const [name, encode] of [
  ['toHttpBinary', toHttpBinary],
  ['toHttpStructured', toHttpStructured],
] as const) {
  test(`the SDK's HTTP.toEvent accepts what ${name} sends over HTTP`, async (t) => {
    const { url, received } = await startSdkReceiver(t);
    const { headers, body } = encode(ours);
    const response = await fetch(url, { method: 'POST', headers, body });
    assert.equal(response.status, 202, await response.text());
    assertSdkSees(received[0]!);
  });
}

test("Kafka: the SDK's binary record is read by fromLogRecord", () => {
  const message = Kafka.binary(
    sdkEvent({ datacontenttype: 'text/plain', data: 'hello', partitionkey: 'lead-42' }),
  );
  const event = fromLogRecord({
    key: message.key === undefined ? null : String(message.key),
    value: utf8(message.value as string),
    headers: message.headers as Record<string, string>,
  });
  assert.equal(event.attributes.id, 'evt-1');
  assert.equal(event.attributes.partitionkey, 'lead-42');
  assert.equal(event.attributes.datacontenttype, 'text/plain');
  assert.equal(event.attributes.tenant, 'acme');
  assert.equal(text(event.data), 'hello');
});

test("Kafka: the SDK's structured record is read by fromLogRecord", () => {
  const message = Kafka.structured(sdkEvent({ datacontenttype: 'application/json', data: { a: 1 } }));
  const event = fromLogRecord({
    key: null,
    value: utf8(message.value as string),
    headers: message.headers as Record<string, string>,
  });
  assert.equal(event.attributes.subject, 'lead/42');
  assert.deepEqual(JSON.parse(text(event.data)!), { a: 1 });
});

test("Kafka: the SDK's Kafka.toEvent reads what toLogRecord writes", () => {
  const record = toLogRecord({ ...ours, attributes: { ...ours.attributes, partitionkey: 'lead-42' } });
  assert.equal(record.key, 'lead-42');
  const message: KafkaMessage<Buffer> = {
    key: record.key!,
    value: Buffer.from(record.value!),
    headers: record.headers,
    body: Buffer.from(record.value!),
  };
  const event = Kafka.toEvent(message) as SdkEvent<unknown>;
  assertSdkSees(event);
  assert.equal(event.partitionkey, 'lead-42');
});
