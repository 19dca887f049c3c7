import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosReport, runChaos } from '../../bench/chaos/scenario.ts';

// The short version of `npm run chaos`: one kill -9 of each of two replicas and one Kafka stop.
test('chaos, short: kill -9 of replicas, Kafka stopped and started, a flapping subscriber, hostile input: nothing lost', {
  timeout: 240_000,
}, async (t) => {
  const result = await runChaos({
    durationMs: 40_000,
    replicas: 2,
    producers: 4,
    killEveryMs: 12_000,
    kafkaOutageMs: 6_000,
    flapMs: 1_500,
    drainTimeoutMs: 90_000,
    costlyTrigger: process.env.CHAOS_COSTLY !== '0',
    progress: (line) => t.diagnostic(line),
  });
  for (const line of chaosReport(result).split('\n')) t.diagnostic(line);
  assert.ok(result.acknowledged > 500, `only ${result.acknowledged} events acknowledged`);
  assert.ok(result.kills >= 2 && result.kafkaOutages === 1, 'every fault happened');
  assert.equal(result.lost, 0, 'the healthy trigger received every acknowledged event');
  assert.equal(result.lostFlapping, 0, 'the flapping trigger received every acknowledged event');
  assert.ok(result.hostileEvents > 0);
  assert.equal(
    result.hostileFilterDeliveries,
    0,
    'the CEL trigger reading the hostile data never matched it',
  );
  // With a second replica serving, a kill never stops the ingress; the restarted one serves again in seconds.
  assert.ok(result.longestIngressGapMs < 3000, `ingress gap ${result.longestIngressGapMs} ms`);
  assert.ok(result.longestRestartGapMs < 5000, `restart gap ${result.longestRestartGapMs} ms`);
});
