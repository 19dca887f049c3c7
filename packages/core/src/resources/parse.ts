import { Composer, type Document, LineCounter, Parser } from 'yaml';
import type { LoadedResource, Problem } from './types.ts';
import { DEFAULT_NAMESPACE, validateResource } from './validate.ts';

/** API groups whose Broker and Trigger kinds are ours to load. */
const GROUPS = new Set(['eventing.knative.dev', 'eventyard.dev']);
const KINDS = new Set(['Broker', 'Trigger']);

export interface ParsedDocuments {
  resources: LoadedResource[];
  problems: Problem[];
}

type Identity = Pick<Problem, 'kind' | 'name' | 'namespace'>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Kind, name and namespace, as far as a (possibly invalid) document tells them. */
function identify(value: unknown): Identity {
  if (!isObject(value)) return {};
  const identity: Identity = {};
  if (typeof value.kind === 'string') identity.kind = value.kind;
  const metadata = value.metadata;
  if (isObject(metadata) && typeof metadata.name === 'string') {
    identity.name = metadata.name;
    identity.namespace = typeof metadata.namespace === 'string' ? metadata.namespace : DEFAULT_NAMESPACE;
  }
  return identity;
}

/**
 * A deep copy of a document's value whose strings are fresh and shared. YAML scalars are slices of
 * the file's text, and V8 keeps a long slice as a view of its parent: a few names of each resource
 * would keep the whole file (megabytes for thousands of Triggers) alive as long as the resources
 * live. Each distinct string of the file is copied once (a JSON round trip makes a flat string
 * of its own) and shared by every resource that repeats it (namespaces, API versions, brokers).
 */
function detach(value: unknown, strings: Map<string, string>): unknown {
  if (typeof value === 'string') {
    let copy = strings.get(value);
    if (copy === undefined) {
      copy = JSON.parse(JSON.stringify(value)) as string;
      strings.set(copy, copy);
    }
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => detach(item, strings));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = detach(item, strings);
  return out;
}

/** "Map keys must be unique at line 8, column 1:\n\n<excerpt>" → "Map keys must be unique". */
function yamlReason(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Reads every Broker and Trigger from a YAML (multi-document) or JSON text. Documents of other
 * kinds are skipped, `List` documents are unpacked, and a bad document is reported without hiding
 * the others.
 */
export function parseResourceDocuments(text: string, file: string): ParsedDocuments {
  const resources: LoadedResource[] = [];
  const problems: Problem[] = [];

  const visit = (value: unknown, document: number, prefix: string): void => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, document, `${prefix}/${index}`);
      return;
    }
    if (!isObject(value)) {
      problems.push({
        file,
        document,
        path: prefix,
        message: 'is not a Kubernetes resource: expected a mapping with apiVersion and kind',
      });
      return;
    }
    const { apiVersion, kind } = value;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
      for (const [index, item] of value.items.entries()) visit(item, document, `${prefix}/items/${index}`);
      return;
    }
    const identity = identify(value);
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      const missing = typeof apiVersion !== 'string' ? 'apiVersion' : 'kind';
      problems.push({
        file,
        document,
        ...identity,
        path: `${prefix}/${missing}`,
        message: 'is required: every Kubernetes resource names its apiVersion and kind',
      });
      return;
    }
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    // Services, ConfigMaps and other kinds may share the file; they are not ours to judge.
    if (!GROUPS.has(group)) return;
    if (!KINDS.has(kind)) {
      if (group === 'eventyard.dev') {
        problems.push({
          file,
          document,
          ...identity,
          path: `${prefix}/kind`,
          message: `unknown kind "${kind}": eventyard.dev/v1 has Broker and Trigger`,
        });
      }
      return;
    }
    const result = validateResource(value);
    for (const problem of result.problems) {
      problems.push({
        file,
        document,
        ...identity,
        path: `${prefix}${problem.path}`,
        message: problem.message,
      });
    }
    if (result.resource !== undefined)
      resources.push({ resource: result.resource, origin: { file, document } });
  };

  // Documents are composed and read one at a time rather than all at once (parseAllDocuments):
  // a file of 10,000 Triggers otherwise holds 10,000 YAML syntax trees at the same moment, and
  // the process keeps that peak (hundreds of MB) as resident memory long after.
  const lineCounter = new LineCounter();
  const strings = new Map<string, string>();
  let document = 0;
  for (const doc of new Composer().compose(new Parser(lineCounter.addNewLine).parse(text))) {
    readDocument(doc, document++);
  }

  function readDocument(doc: Document.Parsed, document: number): void {
    if (doc.errors.length > 0) {
      let identity: Identity = {};
      try {
        identity = identify(doc.toJS());
      } catch {
        // Broken beyond reading; the syntax errors below say why.
      }
      for (const error of doc.errors) {
        const where = error.pos[0] >= 0 ? lineCounter.linePos(error.pos[0]) : undefined;
        problems.push({
          file,
          document,
          ...identity,
          path: '',
          message: `YAML syntax error${where ? ` at line ${where.line}, column ${where.col}` : ''}: ${yamlReason(error.message)}`,
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = detach(doc.toJS({ maxAliasCount: 100 }), strings);
    } catch (error) {
      problems.push({
        file,
        document,
        path: '',
        message: `cannot read the document: ${(error as Error).message}`,
      });
      return;
    }
    // Empty documents (a stray `---`, or only comments) say nothing.
    if (value === null || value === undefined) return;
    visit(value, document, '');
  }

  return { resources, problems };
}
