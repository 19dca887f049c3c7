import assert from 'node:assert/strict';
import type { Received } from './subscriber.ts';

/** What a subscriber must see in binary mode: these `ce-` attributes, this Content-Type, these body bytes. */
export interface Expected {
  id: string;
  attributes: Record<string, string>;
  contentType: string | undefined;
  data: Buffer;
}

/** One POST to the broker, and what each event in it must look like at the subscriber. */
export interface Post {
  label: string;
  headers: Record<string, string>;
  body: string | Buffer;
  expected: Expected[];
}

/** The datacontenttype classes: none, JSON, text, binary, and CloudEvents media types (an event in an event). */
interface DataClass {
  name: string;
  contentType: string | undefined;
  /** The data bytes, or none. */
  data: Buffer | undefined;
  /** The member(s) the JSON event format uses for this data (JSON format §3.1). */
  json: Record<string, unknown>;
}

const inner = {
  specversion: '1.0',
  id: 'inner-1',
  source: '/inner',
  type: 'com.example.inner',
  data: { n: 1 },
};

const CLASSES: DataClass[] = [
  { name: 'no datacontenttype, no data', contentType: undefined, data: undefined, json: {} },
  {
    name: 'application/json',
    contentType: 'application/json',
    data: Buffer.from('{"total":12.5,"items":["a","b"]}'),
    json: { data: { total: 12.5, items: ['a', 'b'] } },
  },
  {
    name: 'text/plain',
    contentType: 'text/plain; charset=utf-8',
    data: Buffer.from('hello, wörld'),
    json: { data: 'hello, wörld' },
  },
  {
    name: 'application/octet-stream',
    contentType: 'application/octet-stream',
    data: Buffer.from([0, 1, 2, 0xfe, 0xff]),
    json: { data_base64: Buffer.from([0, 1, 2, 0xfe, 0xff]).toString('base64') },
  },
  {
    name: 'application/cloudevents+json without data',
    contentType: 'application/cloudevents+json',
    data: undefined,
    json: {},
  },
  {
    name: 'application/cloudevents+json carrying an event',
    contentType: 'application/cloudevents+json',
    data: Buffer.from(JSON.stringify(inner)),
    json: { data: inner },
  },
  {
    name: 'application/cloudevents-batch+json without data',
    contentType: 'application/cloudevents-batch+json',
    data: undefined,
    json: {},
  },
];

function attributesFor(mode: string, index: number) {
  return {
    specversion: '1.0',
    id: `${mode}-${index}`,
    source: `/matrix/${mode}`,
    type: 'com.example.matrix',
    subject: `case ${index}`,
  };
}

function expectedFor(mode: string, index: number, dataClass: DataClass): Expected {
  const attributes = attributesFor(mode, index);
  return {
    id: attributes.id,
    attributes,
    contentType: dataClass.contentType,
    data: dataClass.data ?? Buffer.alloc(0),
  };
}

function jsonEvent(mode: string, index: number, dataClass: DataClass): Record<string, unknown> {
  return {
    ...attributesFor(mode, index),
    ...(dataClass.contentType === undefined ? {} : { datacontenttype: dataClass.contentType }),
    ...dataClass.json,
  };
}

/**
 * Every content mode × every datacontenttype class. Binary mode leaves out CloudEvents media types:
 * over HTTP a Content-Type of `application/cloudevents...` selects structured or batched mode
 * (HTTP binding §3), so such an event can only be posted structured or batched.
 */
export function contentMatrix(): Post[] {
  const posts: Post[] = [];
  CLASSES.forEach((dataClass, index) => {
    if (dataClass.contentType?.startsWith('application/cloudevents')) return;
    const attributes = attributesFor('binary', index);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = value;
    if (dataClass.contentType !== undefined) headers['content-type'] = dataClass.contentType;
    posts.push({
      label: `binary, ${dataClass.name}`,
      headers,
      body: dataClass.data ?? Buffer.alloc(0),
      expected: [expectedFor('binary', index, dataClass)],
    });
  });
  CLASSES.forEach((dataClass, index) => {
    posts.push({
      label: `structured, ${dataClass.name}`,
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify(jsonEvent('structured', index, dataClass)),
      expected: [expectedFor('structured', index, dataClass)],
    });
  });
  posts.push({
    label: 'batch of every datacontenttype class',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(CLASSES.map((dataClass, index) => jsonEvent('batch', index, dataClass))),
    expected: CLASSES.map((dataClass, index) => expectedFor('batch', index, dataClass)),
  });
  return posts;
}

/** Asserts that the subscriber got every expected event, once, in binary mode, attributes and bytes intact. */
export function assertDelivered(received: Received[], posts: Post[]): void {
  const byId = new Map<string, Received>();
  for (const request of received) byId.set(String(request.headers['ce-id']), request);
  for (const post of posts) {
    for (const expected of post.expected) {
      const request = byId.get(expected.id);
      assert.ok(request, `${post.label}: event ${expected.id} was not delivered`);
      for (const [name, value] of Object.entries(expected.attributes)) {
        // Header values are percent-encoded (HTTP binding §3.1.3.2).
        const header: string | string[] | undefined = request.headers[`ce-${name}`];
        assert.equal(
          typeof header === 'string' ? decodeURIComponent(header) : header,
          value,
          `${post.label}: ce-${name}`,
        );
      }
      assert.equal(request.headers['content-type'], expected.contentType, `${post.label}: content-type`);
      assert.equal(
        request.body.toString('hex'),
        expected.data.toString('hex'),
        `${post.label}: data bytes (${request.body.toString()})`,
      );
    }
  }
}

export function expectedCount(posts: Post[]): number {
  return posts.reduce((sum, post) => sum + post.expected.length, 0);
}
