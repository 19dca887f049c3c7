import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CloudEvent, toHttpBinary, toHttpStructured, validateAttributes } from '@eventyard/core';
import { parseFlags } from '../config.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';

export const SEND_USAGE = `Usage: eventyard send URL --type TYPE --source SOURCE [options]

Posts one CloudEvent to a broker (e.g. http://localhost:8080/default/default) and prints the answer.

Options:
  --type TYPE              ce-type (required)
  --source SOURCE          ce-source (required)
  --id ID                  ce-id (default: a random UUID)
  --subject SUBJECT        ce-subject
  --data JSON|TEXT|@FILE   the payload; @path reads a file
  --content-type TYPE      datacontenttype (default application/json when --data is JSON, else text/plain)
  --extension NAME=VALUE   an extension attribute; repeatable
  --mode binary|structured content mode (default binary)
`;

const SEND_OPTIONS = {
  type: { type: 'string' },
  source: { type: 'string' },
  id: { type: 'string' },
  subject: { type: 'string' },
  data: { type: 'string' },
  'content-type': { type: 'string' },
  extension: { type: 'string', multiple: true },
  mode: { type: 'string' },
} as const;

export async function sendCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const flags = parseFlags(argv, SEND_OPTIONS, {}, true);
  const url = flags.positionals[0];
  if (!url || flags.positionals.length > 1)
    throw new UsageError('give exactly one URL, e.g. http://localhost:8080/default/default');
  if (!URL.canParse(url)) throw new UsageError(`not a URL: "${url}"`);
  if (!flags.type) throw new UsageError('--type is required');
  if (!flags.source) throw new UsageError('--source is required');
  const mode = flags.mode ?? 'binary';
  if (mode !== 'binary' && mode !== 'structured')
    throw new UsageError(`--mode must be binary or structured, got "${mode}"`);

  const attributes: Record<string, string> = {
    specversion: '1.0',
    id: flags.id ?? randomUUID(),
    source: flags.source,
    type: flags.type,
    time: new Date().toISOString(),
  };
  if (flags.subject) attributes.subject = flags.subject;
  for (const extension of flags.extension ?? []) {
    const eq = extension.indexOf('=');
    if (eq <= 0) throw new UsageError(`--extension must be NAME=VALUE, got "${extension}"`);
    attributes[extension.slice(0, eq)] = extension.slice(eq + 1);
  }
  let data: Uint8Array | undefined;
  if (flags.data !== undefined) {
    const text = flags.data.startsWith('@') ? await readFile(flags.data.slice(1), 'utf8') : flags.data;
    data = Buffer.from(text, 'utf8');
    attributes.datacontenttype = flags['content-type'] ?? (isJson(text) ? 'application/json' : 'text/plain');
  }
  const event: CloudEvent = { attributes, data };
  validateAttributes(event.attributes);

  const message = mode === 'binary' ? toHttpBinary(event) : toHttpStructured(event);
  const response = await fetch(url, {
    method: 'POST',
    headers: message.headers,
    ...(message.body ? { body: message.body } : {}),
  });
  const body = await response.text();
  out(`${response.status} ${response.statusText}${body ? `\n${body}` : ''}`);
  if (response.ok) out(`sent ${attributes.id}`);
  return response.ok ? EXIT_OK : EXIT_FAILURE;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
