import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { murmur2, partitionFor } from '../src/partitioner.ts';

const encode = (text: string) => new TextEncoder().encode(text);

test("murmur2 matches Kafka's Utils.murmur2 test vectors", () => {
  // From Apache Kafka's UtilsTest.testMurmur2.
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) assert.equal(murmur2(encode(input)), expected, input);
});

test('partitionFor agrees with kafkajs DefaultPartitioner for keyed records', () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  const keys = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'customer-42',
    'ünïcødé ☃ 🚀',
    'nul\u0000inside',
    ...Array.from({ length: 500 }, () => randomBytes(1 + Math.floor(Math.random() * 40)).toString('base64')),
  ];
  for (const numPartitions of [1, 2, 3, 7, 12, 64]) {
    const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    for (const key of keys) {
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
      assert.equal(
        partitionFor(key, numPartitions),
        expected,
        `${JSON.stringify(key)} over ${numPartitions}`,
      );
      assert.equal(partitionFor(encode(key), numPartitions), expected, 'bytes and string agree');
    }
  }
});

test('partitionFor stays in range for keys whose hash is negative', () => {
  // 'foobar' hashes to a negative int: toPositive clears the sign bit instead of negating.
  assert.ok(murmur2(encode('foobar')) < 0);
  const p = partitionFor('foobar', 5);
  assert.equal(p, (-790332482 & 0x7fffffff) % 5);
});
