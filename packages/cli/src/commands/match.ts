import { readFile } from 'node:fs/promises';
import { startFileControl } from '@eventyard/control';
import {
  type CloudEvent,
  createFilterInput,
  parseHttpRequest,
  type TriggerEntry,
  TriggerIndex,
} from '@eventyard/core';
import { parseFlags } from '../config.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';

export const MATCH_USAGE = `Usage: eventyard match --config PATH... --event FILE.json [--broker NAMESPACE/NAME]

Dry run: prints which triggers an event would be delivered to and, for each that it would not,
the first filter that failed. FILE.json is a CloudEvent in JSON format (structured mode), or a
JSON array of them. Exits 1 when no trigger matches.
`;

export async function matchCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const flags = parseFlags(argv, {
    config: { type: 'string', multiple: true, short: 'c' },
    event: { type: 'string', short: 'e' },
    broker: { type: 'string', short: 'b' },
  });
  const paths = flags.config ?? [];
  if (paths.length === 0) throw new UsageError('give at least one --config PATH');
  if (!flags.event) throw new UsageError('--event FILE.json is required');
  const events = await readEvents(flags.event);

  const control = await startFileControl({
    paths,
    watch: false,
    logger: { info() {}, warn() {}, error() {} },
  });
  const contract = control.current();
  await control.close();
  const triggers = [...contract.triggers.values()].filter(
    (t) => flags.broker === undefined || `${t.namespace}/${t.broker}` === flags.broker,
  );
  const ready = triggers.filter((t) => t.status.ready && t.filter !== undefined);
  const index = new TriggerIndex(ready.map((t) => ({ value: t, filter: t.filter! })));

  let matched = 0;
  for (const event of events) {
    if (events.length > 1) out(`event ${event.attributes.id} (${event.attributes.type}):`);
    const explanations = index.explain(createFilterInput(event));
    for (const { value, result, reason } of explanations) {
      if (result === 'match') {
        matched++;
        out(`MATCH      ${label(value)} -> ${value.subscriberUri}`);
      } else {
        out(
          `NO MATCH   ${label(value)}: ${reason ?? (result === 'error' ? 'evaluation error' : 'no match')}`,
        );
      }
    }
    for (const trigger of triggers) {
      if (!ready.includes(trigger)) {
        out(
          `NOT READY  ${label(trigger)}: ${trigger.status.reason ?? 'NotReady'}: ${trigger.status.message ?? ''}`,
        );
      }
    }
  }
  if (triggers.length === 0) out(flags.broker ? `no triggers on broker ${flags.broker}` : 'no triggers');
  return matched > 0 ? EXIT_OK : EXIT_FAILURE;
}

function label(trigger: TriggerEntry): string {
  return `${trigger.namespace}/${trigger.name} (broker ${trigger.broker})`;
}

async function readEvents(file: string): Promise<CloudEvent[]> {
  const body = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --event ${file}: ${error.code ?? error.message}`);
  });
  const text = body.toString('utf8').trimStart();
  // The same parser as the ingress, so the dry run sees exactly what a POST would be.
  const contentType = text.startsWith('[')
    ? 'application/cloudevents-batch+json'
    : 'application/cloudevents+json';
  return parseHttpRequest({ 'content-type': contentType }, body).events;
}
