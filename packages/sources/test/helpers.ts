import type { SinkDelivery } from '@eventyard/sources';

export {
  type Received,
  type Subscriber,
  startSubscriber as startSink,
} from '../../../test/support/subscriber.ts';

/** Fast retries for tests: no jitter surprises, short waits. */
export const FAST: SinkDelivery = {
  retry: 3,
  backoffPolicy: 'linear',
  backoffDelayMs: 10,
  timeoutMs: 2000,
  retryAfterMaxMs: 5000,
};

/** A sleep that really waits and records each wait, so tests can see the backoff chosen. */
export function recordingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 50)));
    },
  };
}
