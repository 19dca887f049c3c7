/**
 * Validates built-in Kubernetes objects against the Kubernetes 1.36 OpenAPI schema, as
 * @kubernetes/client-node ships it: each generated model's attribute map gives the fields and their
 * types, and its type declaration the required ones (members without `?`). Unknown fields are
 * errors, as with `kubectl apply --validate=strict`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

const MODELS_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')),
  'gen',
  'models',
);

function model(name: string): Model | undefined {
  const candidate = (k8s as unknown as Record<string, unknown>)[name];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate
    ? (candidate as Model)
    : undefined;
}

const requiredCache = new Map<string, Set<string>>();

/** The JSON names of a model's required fields. */
function requiredFields(name: string, attributes: Attribute[]): Set<string> {
  let required = requiredCache.get(name);
  if (required === undefined) {
    const declaration = readFileSync(join(MODELS_DIR, `${name}.d.ts`), 'utf8');
    const mandatory = new Set([...declaration.matchAll(/^ {4}'([^']+)': /gm)].map((match) => match[1]));
    required = new Set(attributes.filter((a) => mandatory.has(a.name)).map((a) => a.baseName));
    requiredCache.set(name, required);
  }
  return required;
}

/** The client-node model of an apiVersion and kind (V1Deployment, ...), if Kubernetes has that kind. */
export function modelName(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').at(-1) ?? '';
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return model(name) === undefined ? undefined : name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(value: unknown, type: string, path: string, errors: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) errors.push(`${path}: must be a list`);
    else for (const [index, item] of value.entries()) check(item, array[1]!, `${path}[${index}]`, errors);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isObject(value)) errors.push(`${path}: must be a mapping`);
    else for (const [key, item] of Object.entries(value)) check(item, map[1]!, `${path}.${key}`, errors);
    return;
  }
  switch (type) {
    case 'string':
    case 'Date':
    case 'V1MicroTime':
      if (typeof value !== 'string') errors.push(`${path}: must be a string, not ${JSON.stringify(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: must be a number, not ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean')
        errors.push(`${path}: must be true or false, not ${JSON.stringify(value)}`);
      return;
    case 'IntOrString':
      if (typeof value !== 'string' && typeof value !== 'number')
        errors.push(`${path}: must be a number or a string`);
      return;
    case 'any':
    case 'object':
      return;
  }
  const found = model(type);
  if (found === undefined) {
    errors.push(`${path}: no schema for type ${type}`);
    return;
  }
  if (!isObject(value)) {
    errors.push(`${path}: must be a mapping (${type})`);
    return;
  }
  const attributes = found.getAttributeTypeMap();
  const byName = new Map(attributes.map((attribute) => [attribute.baseName, attribute]));
  for (const [key, item] of Object.entries(value)) {
    const attribute = byName.get(key);
    if (attribute === undefined) errors.push(`${path}.${key}: unknown field of ${type}`);
    else check(item, attribute.type, `${path}.${key}`, errors);
  }
  for (const field of requiredFields(type, attributes)) {
    if (value[field] === undefined) errors.push(`${path}.${field}: required by ${type}`);
  }
}

/** Everything wrong with an object of a built-in kind; an unknown kind is an error too. */
export function validateBuiltIn(object: Record<string, unknown>): string[] {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const name = modelName(apiVersion, kind);
  if (name === undefined) return [`${apiVersion} ${kind}: not a Kubernetes kind`];
  const errors: string[] = [];
  check(object, name, kind, errors);
  return errors;
}
