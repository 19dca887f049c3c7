import type { KafkaClientName } from './eventyard.ts';
import type { BenchKafka } from './kafka.ts';

/** What every benchmark gets from bench/run.ts. */
export interface BenchContext {
  /** Short sizes (seconds each). */
  quick: boolean;
  /** Quick mode with the smallest sizes that still exercise every path (the test suite's check). */
  smoke: boolean;
  /** Back-to-back (baseline, subject) rounds; figures are medians over rounds. */
  rounds: number;
  kafka: BenchKafka;
  /** Kafka clients to measure, the default first. */
  clients: KafkaClientName[];
  /** node flags for every eventyard process (e.g. --cpu-prof). */
  nodeFlags: string[];
  progress(message: string): void;
}

/** `full` normally, `quick` in quick mode, `smoke` (default: `quick`) in smoke mode. */
export function size<T>(context: BenchContext, full: T, quick: T, smoke: T = quick): T {
  return context.smoke ? smoke : context.quick ? quick : full;
}
