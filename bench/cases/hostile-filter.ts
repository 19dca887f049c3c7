/**
 * Benchmark 9: one hostile Trigger beside a simple one on the same broker, end to end (ingress →
 * log → dispatcher → subscriber, one process on the embedded log). The hostile filter is the
 * costliest the cost model accepts of the `cel.bind` doubling chain — the shape that stalled every
 * broker before the model — a list doubled as many times as the estimate allows, then walked by
 * `exists`, on every event. The figure is the simple Trigger's delivery p99 at a steady rate, as a
 * ratio to the same Trigger's p99 without the hostile one, measured in alternating rounds of the
 * same run (target ≤ 2×).
 */
import { compileTriggerFilter } from '@eventyard/core';
import { type BenchContext, size } from '../support/context.ts';
import { EVENT_TYPE } from '../support/events.ts';
import { startEventyard, triggerYaml } from '../support/eventyard.ts';
import { steadyPosts } from '../support/load.ts';
import { fixed, median, percentile, type Row } from '../support/report.ts';
import { type BenchSubscriber, benchSubscriber } from '../support/subscriber.ts';

/** Events per second: the hostile filter's cost per event must fit the one core it runs on. */
const RATE = 200;

function chain(levels: number): string {
  const names = 'abcdefghijklmnopqrstuvwxyz';
  let open = '';
  for (let i = 0; i < levels; i++) {
    const v = names[i - 1];
    open += `cel.bind(${names[i]}, ${i === 0 ? '[event.data.intent, event.data.intent]' : `${v} + ${v}`}, `;
  }
  return `${open}${names[levels - 1]}.exists(s, s == 'never')${')'.repeat(levels)}`;
}

/** The longest chain the cost model accepts. */
export function costliestAccepted(): { levels: number; expression: string } {
  let best: { levels: number; expression: string } | undefined;
  for (let levels = 1; levels <= 15; levels++) {
    const expression = chain(levels);
    try {
      compileTriggerFilter({ filters: [{ cel: expression }] });
      best = { levels, expression };
    } catch {
      break;
    }
  }
  if (best === undefined) throw new Error('no chain accepted: the benchmark is broken');
  return best;
}

export async function hostileFilterBenchmark(context: BenchContext): Promise<Row[]> {
  const seconds = size(context, 15, 4, 2);
  const hostile = costliestAccepted();
  const simple = await benchSubscriber();
  const sink = await benchSubscriber();
  const simpleTrigger = triggerYaml('simple', `filter: { attributes: { type: ${EVENT_TYPE} } }`, simple.url);
  const hostileTrigger = triggerYaml(
    'hostile',
    `filters: [ { cel: ${JSON.stringify(hostile.expression)} } ]`,
    sink.url,
  );
  const base: number[] = [];
  const measured: number[] = [];
  try {
    for (let round = 0; round < Math.max(3, context.rounds); round++) {
      context.progress(`hostile filter: round ${round + 1}, simple trigger alone`);
      base.push(await deliveryP99(context, [simpleTrigger], simple, seconds, `alone-${round}`));
      context.progress(`hostile filter: round ${round + 1}, beside the hostile trigger`);
      measured.push(
        await deliveryP99(context, [simpleTrigger, hostileTrigger], simple, seconds, `shared-${round}`),
      );
    }
  } finally {
    await simple.close();
    await sink.close();
  }
  const p99 = median(measured);
  const baseP99 = median(base);
  const ratio = p99 / baseP99;
  return [
    {
      id: '9',
      name: `hostile filter: a simple trigger's delivery p99 at ${RATE} events/s beside the costliest accepted cel.bind chain (${hostile.levels} doublings)`,
      measured: `${fixed(p99, 1)} ms p99`,
      baseline: `${fixed(baseP99, 1)} ms p99, simple trigger alone`,
      ratio: `${fixed(ratio, 2)}× baseline`,
      target: '≤ 2×',
      pass: ratio <= 2,
    },
  ];
}

async function deliveryP99(
  context: BenchContext,
  triggers: string[],
  subscriber: BenchSubscriber,
  seconds: number,
  prefix: string,
): Promise<number> {
  const server = await startEventyard({
    log: { kind: 'embedded' },
    resources: triggers,
    nodeFlags: context.nodeFlags,
    topicPrefix: 'bench-hostile',
  });
  const sentAt = new Map<string, number>();
  try {
    // Warm-up, not measured.
    await steadyPosts(server.ingress, RATE, 1, `${prefix}-warm`, () => {});
    subscriber.recording = true;
    const { failed } = await steadyPosts(server.ingress, RATE, seconds, prefix, (id, at) =>
      sentAt.set(id, at),
    );
    if (failed > 0) throw new Error(`${failed} POSTs were not answered 202`);
    const deadline = performance.now() + 60_000;
    while ([...sentAt.keys()].some((id) => !subscriber.arrivals.has(id))) {
      if (performance.now() > deadline) throw new Error('not every event reached the simple trigger');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    subscriber.recording = false;
    await server.stop();
  }
  const latencies: number[] = [];
  for (const [id, at] of sentAt) {
    const arrived = subscriber.arrivals.get(id);
    if (arrived !== undefined) latencies.push(arrived - at);
  }
  return percentile(latencies, 99);
}
