/**
 * Kafka's default partitioner for keyed records, so a key lands on the same partition in the
 * embedded log as in Kafka (and as kafkajs' `DefaultPartitioner` puts it):
 * `toPositive(murmur2(utf8(key))) % numPartitions`, with `murmur2` as in Kafka's `Utils.murmur2`.
 */

// Constants of Kafka's Utils.murmur2 (seed and the 'm'/'r' mixing constants of MurmurHash2).
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

const encoder = new TextEncoder();

/** Kafka's `Utils.murmur2` over bytes: a signed 32-bit hash, bit for bit as Java computes it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  // Java's int arithmetic: Math.imul wraps the products, `| 0` and `>>>` match Java's int ops.
  let h = (SEED ^ length) | 0;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last 1-3 bytes: Java's fall-through switch on length % 4, written without fall-through.
  const rest = length & 3;
  if (rest === 3) h ^= data[length4 + 2]! << 16;
  if (rest >= 2) h ^= data[length4 + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[length4]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** UTF-8 bytes of a key, as Kafka's StringSerializer and kafkajs encode it. */
export function keyBytes(key: string): Uint8Array {
  return encoder.encode(key);
}

/** The partition Kafka's default partitioner picks for `key` (a string is hashed as UTF-8). */
export function partitionFor(key: string | Uint8Array, numPartitions: number): number {
  const data = typeof key === 'string' ? encoder.encode(key) : key;
  return toPositive(murmur2(data)) % numPartitions;
}
