/**
 * Benchmark 8: one hostile Trigger next to a simple one, in process, through TriggerIndex and
 * createFilterInput as the dispatcher uses them. The hostile filter is the costliest the cost model
 * accepts of the `cel.bind` doubling chain (the shape that stalled every broker before the model):
 * a list doubled as many times as the estimate allows, then walked by `exists`. The baseline is the
 * simple trigger alone in the same run; the figure is the per-event matching time's p99 with the
 * hostile trigger, as a ratio to that baseline, and the hostile filter's own cost per event.
 */
import { type CloudEvent, compileTriggerFilter, createFilterInput, TriggerIndex } from '@eventyard/core';
import { type BenchContext, size } from '../support/context.ts';
import { DATA_BYTES } from '../support/events.ts';
import { fixed, median, percentile, type Row } from '../support/report.ts';

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
  const iterations = size(context, 20_000, 4_000, 1_000);
  const hostile = costliestAccepted();
  const simple = {
    value: 'simple',
    filter: compileTriggerFilter({ filters: [{ exact: { type: 'com.example.order' } }] }),
  };
  const alone = new TriggerIndex([simple]);
  const shared = new TriggerIndex([
    simple,
    { value: 'hostile', filter: compileTriggerFilter({ filters: [{ cel: hostile.expression }] }) },
  ]);
  const event: CloudEvent = {
    attributes: {
      specversion: '1.0',
      id: 'e-1',
      source: '/bench',
      type: 'com.example.order',
      datacontenttype: 'application/json',
    },
    data: DATA_BYTES,
  };
  const run = (index: TriggerIndex<string>): number[] => {
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      const matched = index.match(createFilterInput(event));
      times.push((performance.now() - started) * 1000);
      if (!matched.includes('simple')) throw new Error('the simple trigger did not match');
    }
    return times;
  };
  run(alone);
  run(shared);
  const base: number[] = [];
  const measured: number[] = [];
  for (let round = 0; round < Math.max(3, context.rounds); round++) {
    context.progress(`hostile filter: round ${round + 1}`);
    base.push(percentile(run(alone), 99));
    measured.push(percentile(run(shared), 99));
  }
  const p99 = median(measured);
  const baseP99 = median(base);
  return [
    {
      id: '8',
      name: `hostile filter: simple trigger's per-event matching p99 next to the costliest accepted cel.bind chain (${hostile.levels} doublings)`,
      measured: `${fixed(p99, 1)} µs p99`,
      baseline: `${fixed(baseP99, 1)} µs p99, simple trigger alone`,
      ratio: `${fixed(p99 / baseP99, 1)}× baseline`,
      target: 'report (in-process; delivery p99 is ms)',
      pass: true,
    },
  ];
}
