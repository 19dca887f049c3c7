import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpRequest } from '../../src/event/index.ts';
import { assertRejects, binaryHeaders, jsonEvent, text, utf8 } from './helpers.ts';

const STRUCTURED = { 'content-type': 'application/cloudevents+json; charset=utf-8' };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));

// --- binary mode ---------------------------------------------------------------------------------

test('binary: attributes from ce- headers, content-type as datacontenttype, body as data', () => {
  const { mode, events } = parseHttpRequest(
    binaryHeaders({
      'content-type': 'application/json',
      'ce-subject': 'lead/42',
      'ce-tenant': 'acme',
      host: 'x',
    }),
    utf8('{"name":"Ada"}'),
  );
  assert.equal(mode, 'binary');
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]!.attributes, {
    specversion: '1.0',
    id: 'evt-1',
    source: '/crm/webhooks',
    type: 'com.example.lead.created',
    subject: 'lead/42',
    tenant: 'acme',
    datacontenttype: 'application/json',
  });
  assert.equal(text(events[0]!.data), '{"name":"Ada"}');
});

test('binary: header names are matched case-insensitively', () => {
  const { events } = parseHttpRequest(
    { 'CE-SpecVersion': '1.0', 'Ce-Id': '1', 'ce-SOURCE': '/s', 'ce-type': 't' },
    new Uint8Array(),
  );
  assert.deepEqual(events[0]!.attributes, { specversion: '1.0', id: '1', source: '/s', type: 't' });
});

test('binary: empty body means no data, and no content-type means no datacontenttype', () => {
  const { events } = parseHttpRequest(binaryHeaders(), new Uint8Array());
  assert.equal(events[0]!.data, undefined);
  assert.equal('datacontenttype' in events[0]!.attributes, false);
});

test('binary: content-type parameters are kept in datacontenttype', () => {
  const { events } = parseHttpRequest(
    binaryHeaders({ 'content-type': 'text/plain; charset=utf-8' }),
    utf8('hi'),
  );
  assert.equal(events[0]!.attributes.datacontenttype, 'text/plain; charset=utf-8');
});

test('binary: a ce-datacontenttype header is ignored; Content-Type wins', () => {
  const { events } = parseHttpRequest(
    binaryHeaders({ 'content-type': 'text/plain', 'ce-datacontenttype': 'application/xml' }),
    utf8('hi'),
  );
  assert.equal(events[0]!.attributes.datacontenttype, 'text/plain');
});

test('binary: values are percent-decoded as UTF-8 (§3.1.3.2)', () => {
  const { events } = parseHttpRequest(
    binaryHeaders({
      'ce-subject': 'Euro%20%E2%82%AC%20%F0%9F%98%80',
      'ce-source': '%2Fcrm%2fwebhooks',
      'ce-note': '"quoted value"',
    }),
    new Uint8Array(),
  );
  assert.equal(events[0]!.attributes.subject, 'Euro € 😀');
  assert.equal(events[0]!.attributes.source, '/crm/webhooks');
  assert.equal(events[0]!.attributes.note, 'quoted value');
});

test('binary: an invalid percent-encoding is a 400 naming the attribute', () => {
  assertRejects(() => parseHttpRequest(binaryHeaders({ 'ce-subject': '%C0%A0' }), new Uint8Array()), {
    attribute: 'subject',
    message: /"subject" is not valid percent-encoded UTF-8 \(header ce-subject in binary mode\)/,
  });
});

test('binary: a "%" that starts no escape is kept literally, as sdk-go senders write it', () => {
  for (const [raw, decoded] of [
    ['50%', '50%'],
    ['50% off', '50% off'],
    ['100%%20', '100% '],
    ['%zz', '%zz'],
  ]) {
    const [event] = parseHttpRequest(binaryHeaders({ 'ce-subject': raw! }), new Uint8Array()).events;
    assert.equal(event?.attributes.subject, decoded, raw);
  }
});

test('binary: a decoded control character is rejected', () => {
  assertRejects(() => parseHttpRequest(binaryHeaders({ 'ce-subject': 'a%0Ab' }), new Uint8Array()), {
    attribute: 'subject',
    message: /control character/,
  });
});

test('binary: a repeated header is a 400', () => {
  assertRejects(() => parseHttpRequest({ ...binaryHeaders(), 'ce-id': ['1', '2'] }, new Uint8Array()), {
    attribute: 'id',
    message: /header ce-id is repeated/,
  });
});

test('binary: missing attributes name the header', () => {
  const headers = binaryHeaders();
  delete headers['ce-source'];
  assertRejects(() => parseHttpRequest(headers, new Uint8Array()), {
    attribute: 'source',
    message: /^missing required attribute "source" \(header ce-source in binary mode\)$/,
  });
});

test('binary: an invalid attribute name is a 400 naming it', () => {
  assertRejects(() => parseHttpRequest(binaryHeaders({ 'ce-my_ext': 'x' }), new Uint8Array()), {
    attribute: 'my_ext',
    message: /invalid attribute name "my_ext".*\(header ce-my_ext in binary mode\)/,
  });
});

test('binary: a request without ce- headers says it is not a CloudEvent', () => {
  assertRejects(() => parseHttpRequest({ 'content-type': 'application/json' }, utf8('{"a":1}')), {
    attribute: 'specversion',
    message: /not a CloudEvent: no ce-\* headers/,
  });
});

test('binary: a 0.3 event is upgraded; schemaurl becomes dataschema', () => {
  const { events } = parseHttpRequest(
    binaryHeaders({ 'ce-specversion': '0.3', 'ce-schemaurl': 'https://example.com/s.json' }),
    new Uint8Array(),
  );
  assert.equal(events[0]!.attributes.specversion, '1.0');
  assert.equal(events[0]!.attributes.dataschema, 'https://example.com/s.json');
  assert.equal('schemaurl' in events[0]!.attributes, false);
});

test('binary: a 0.3 event with datacontentencoding base64 has its body decoded', () => {
  const { events } = parseHttpRequest(
    binaryHeaders({
      'ce-specversion': '0.3',
      'ce-datacontentencoding': 'base64',
      'content-type': 'application/octet-stream',
    }),
    utf8(Buffer.from([0, 1, 2, 255]).toString('base64')),
  );
  assert.deepEqual([...events[0]!.data!], [0, 1, 2, 255]);
  assert.equal('datacontentencoding' in events[0]!.attributes, false);
});

test('binary: an invalid time names the header', () => {
  assertRejects(() => parseHttpRequest(binaryHeaders({ 'ce-time': 'now' }), new Uint8Array()), {
    attribute: 'time',
    message: /RFC 3339.*\(header ce-time in binary mode\)/,
  });
});

// --- structured mode -----------------------------------------------------------------------------

test('structured: attributes from the JSON members, JSON data as its JSON text', () => {
  const { mode, events } = parseHttpRequest(
    STRUCTURED,
    json(jsonEvent({ datacontenttype: 'application/json', data: { name: 'Ada', tags: ['a'] } })),
  );
  assert.equal(mode, 'structured');
  assert.deepEqual(events[0]!.attributes, {
    specversion: '1.0',
    id: 'evt-1',
    source: '/crm/webhooks',
    type: 'com.example.lead.created',
    datacontenttype: 'application/json',
  });
  assert.deepEqual(JSON.parse(text(events[0]!.data)!), { name: 'Ada', tags: ['a'] });
});

test('structured: JSON data keeps the exact bytes sent (large integers survive)', () => {
  const body = utf8(
    '{"specversion":"1.0","id":"1","source":"/s","type":"t","data": {"id": 12345678901234567890, "x": 1.50} }',
  );
  const { events } = parseHttpRequest(STRUCTURED, body);
  assert.equal(text(events[0]!.data), '{"id": 12345678901234567890, "x": 1.50}');
});

test('structured: no datacontenttype is added when none was sent, and data is read as JSON', () => {
  const { events } = parseHttpRequest(STRUCTURED, json(jsonEvent({ data: [1, 2] })));
  assert.equal('datacontenttype' in events[0]!.attributes, false);
  assert.equal(text(events[0]!.data), '[1,2]');
});

test('structured: a JSON string with a JSON content type stays a JSON string (quotes kept)', () => {
  const { events } = parseHttpRequest(
    STRUCTURED,
    json(jsonEvent({ datacontenttype: 'application/json', data: 'hi' })),
  );
  assert.equal(text(events[0]!.data), '"hi"');
  const plus = parseHttpRequest(
    STRUCTURED,
    json(jsonEvent({ datacontenttype: 'application/vnd.x+json', data: 'hi' })),
  );
  assert.equal(text(plus.events[0]!.data), '"hi"');
});

test('structured: a string with a non-JSON content type is the UTF-8 text', () => {
  const { events } = parseHttpRequest(
    STRUCTURED,
    json(jsonEvent({ datacontenttype: 'text/plain', data: 'héllo <b>' })),
  );
  assert.equal(text(events[0]!.data), 'héllo <b>');
});

test('structured: data_base64 is decoded to bytes', () => {
  const { events } = parseHttpRequest(
    STRUCTURED,
    json(
      jsonEvent({
        datacontenttype: 'image/png',
        data_base64: Buffer.from([137, 80, 78, 71, 0]).toString('base64'),
      }),
    ),
  );
  assert.deepEqual([...events[0]!.data!], [137, 80, 78, 71, 0]);
  assert.equal('data_base64' in events[0]!.attributes, false);
});

test('structured: data and data_base64 together is a 400', () => {
  assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ data: 1, data_base64: 'AA==' }))), {
    attribute: 'data_base64',
    message: /both "data" and "data_base64"/,
  });
});

test('structured: data_base64 that is not base64 is a 400', () => {
  assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ data_base64: 'not base64!' }))), {
    attribute: 'data_base64',
    message: /not valid base64/,
  });
  assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ data_base64: 42 }))), {
    attribute: 'data_base64',
  });
});

test('structured: null data or attribute means absent', () => {
  const { events } = parseHttpRequest(
    STRUCTURED,
    json(jsonEvent({ data: null, subject: null, myext: null })),
  );
  assert.equal(events[0]!.data, undefined);
  assert.deepEqual(Object.keys(events[0]!.attributes).sort(), ['id', 'source', 'specversion', 'type']);
  assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ source: null }))), {
    attribute: 'source',
    message: /missing required attribute "source" \(member "source" of the JSON event\)/,
  });
});

test('structured: extension integers and booleans become canonical strings', () => {
  const { events } = parseHttpRequest(
    STRUCTURED,
    json(jsonEvent({ knativebrokerttl: 255, priority: -3, urgent: true, draft: false })),
  );
  const attrs = events[0]!.attributes;
  assert.equal(attrs.knativebrokerttl, '255');
  assert.equal(attrs.priority, '-3');
  assert.equal(attrs.urgent, 'true');
  assert.equal(attrs.draft, 'false');
});

test('structured: object, array and fractional attribute values are 400s naming the attribute', () => {
  for (const [value, kind] of [
    [{ a: 1 }, /got object/],
    [[1], /got array/],
    [1.5, /must be an integer/],
  ] as const) {
    assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ myext: value }))), {
      attribute: 'myext',
      message: kind,
    });
  }
});

test('structured: context attributes of type String must be JSON strings', () => {
  assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ id: 42 }))), {
    attribute: 'id',
    message: /"id" must be a JSON string, got number/,
  });
  assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ specversion: 1 }))), {
    attribute: 'specversion',
  });
});

test('structured: invalid attribute names are rejected', () => {
  assertRejects(() => parseHttpRequest(STRUCTURED, json(jsonEvent({ myExt: 'x' }))), {
    attribute: 'myExt',
    message: /invalid attribute name "myExt"/,
  });
  assertRejects(() => parseHttpRequest(STRUCTURED, utf8('{"__proto__":"x","specversion":"1.0"}')), {
    attribute: '__proto__',
  });
});

test('structured: invalid JSON, a non-object and an empty body are 400s saying so', () => {
  assertRejects(() => parseHttpRequest(STRUCTURED, utf8('{"specversion":')), { message: /not valid JSON/ });
  assertRejects(() => parseHttpRequest(STRUCTURED, utf8('[1]')), {
    message: /must be a JSON object, got array/,
  });
  assertRejects(() => parseHttpRequest(STRUCTURED, new Uint8Array()), { message: /body is empty/ });
  assertRejects(() => parseHttpRequest(STRUCTURED, new Uint8Array([0x7b, 0xff, 0x7d])), {
    message: /not valid UTF-8/,
  });
});

test('structured: ce- headers are not read; the body holds every attribute', () => {
  assertRejects(
    () =>
      parseHttpRequest(
        { ...STRUCTURED, 'ce-source': '/s' },
        json({ specversion: '1.0', id: '1', type: 't' }),
      ),
    { attribute: 'source' },
  );
});

test('structured: a 0.3 event is upgraded and base64 data decoded', () => {
  const { events } = parseHttpRequest(
    STRUCTURED,
    json({
      specversion: '0.3',
      id: '1',
      source: '/s',
      type: 't',
      schemaurl: 'https://example.com/s.json',
      datacontenttype: 'application/octet-stream',
      datacontentencoding: 'base64',
      data: Buffer.from('raw bytes').toString('base64'),
    }),
  );
  assert.deepEqual(events[0]!.attributes, {
    specversion: '1.0',
    id: '1',
    source: '/s',
    type: 't',
    dataschema: 'https://example.com/s.json',
    datacontenttype: 'application/octet-stream',
  });
  assert.equal(text(events[0]!.data), 'raw bytes');
});

test('structured: a byte order mark before the JSON is accepted', () => {
  const body = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(JSON.stringify(jsonEvent({ data: { a: 1 } }))),
  ]);
  const { events } = parseHttpRequest(STRUCTURED, body);
  assert.equal(text(events[0]!.data), '{"a":1}');
});

// --- batched mode --------------------------------------------------------------------------------

test('batch: every event is decoded, each with its own data', () => {
  const { mode, events } = parseHttpRequest(
    BATCH,
    utf8(
      JSON.stringify([
        jsonEvent({ id: 'a', data: { n: 1 } }),
        jsonEvent({ id: 'b', datacontenttype: 'text/plain', data: 'two' }),
        jsonEvent({ id: 'c' }),
      ]),
    ),
  );
  assert.equal(mode, 'batch');
  assert.deepEqual(
    events.map((event) => [event.attributes.id, text(event.data)]),
    [
      ['a', '{"n":1}'],
      ['b', 'two'],
      ['c', undefined],
    ],
  );
});

test('batch: all or nothing; the first invalid event names its index and attribute', () => {
  const batch = [
    jsonEvent({ id: 'a' }),
    jsonEvent({ id: 'b' }),
    jsonEvent({ id: 'c' }),
    jsonEvent({ source: '' }),
  ];
  assertRejects(() => parseHttpRequest(BATCH, json(batch)), {
    attribute: 'source',
    message: /^attribute "source" must not be empty \(at events\[3\]\.source\)$/,
    details: { index: 3, path: 'events[3].source' },
  });
  assertRejects(() => parseHttpRequest(BATCH, json([jsonEvent(), jsonEvent({ time: 'soon' }), { id: 1 }])), {
    attribute: 'time',
    details: { index: 1, path: 'events[1].time' },
  });
});

test('batch: a member that is not an object names its index', () => {
  assertRejects(() => parseHttpRequest(BATCH, json([jsonEvent(), 'oops'])), {
    message: /events\[1\] must be a JSON object, got string/,
    details: { index: 1 },
  });
});

test('batch: an empty array, a non-array and invalid JSON are 400s', () => {
  assertRejects(() => parseHttpRequest(BATCH, utf8('[]')), { message: /batch is empty/ });
  assertRejects(() => parseHttpRequest(BATCH, json(jsonEvent())), { message: /must be a JSON array/ });
  assertRejects(() => parseHttpRequest(BATCH, utf8('[{]')), { message: /not valid JSON/ });
});

test('batch: JSON data keeps its exact bytes per event', () => {
  const body = utf8(
    `[ ${JSON.stringify(jsonEvent({ id: 'a' })).slice(0, -1)},"data":{"big":99999999999999999999} },` +
      `{"data" : [1, 2],"specversion":"1.0","id":"b","source":"/s","type":"t","x":"]}\\""} ]`,
  );
  const { events } = parseHttpRequest(BATCH, body);
  assert.equal(text(events[0]!.data), '{"big":99999999999999999999}');
  assert.equal(text(events[1]!.data), '[1, 2]');
  assert.equal(events[1]!.attributes.x, ']}"');
});

// --- content types -------------------------------------------------------------------------------

test('other event formats are a 415', () => {
  assertRejects(() => parseHttpRequest({ 'content-type': 'application/cloudevents+xml' }, utf8('<event/>')), {
    code: 'EY_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
  });
  assertRejects(
    () => parseHttpRequest({ 'content-type': 'application/cloudevents-batch+protobuf' }, new Uint8Array()),
    { code: 'EY_UNSUPPORTED_MEDIA_TYPE', status: 415 },
  );
});

test('the media type is matched case-insensitively with parameters', () => {
  const { mode } = parseHttpRequest(
    { 'content-type': 'Application/CloudEvents+JSON; Charset=UTF-8' },
    json(jsonEvent()),
  );
  assert.equal(mode, 'structured');
});

test('binary: a header without a value (callers other than node may pass one) is skipped', () => {
  const headers: Record<string, string | undefined> = {
    ...binaryHeaders(),
    'ce-subject': undefined,
    'ce-my_ext': undefined,
  };
  const { events } = parseHttpRequest(headers, new Uint8Array());
  assert.equal(events[0]!.attributes.subject, undefined);
  assert.equal(events[0]!.attributes.id, binaryHeaders()['ce-id']);
});
