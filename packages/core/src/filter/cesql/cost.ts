import { CEL_COST_LIMITS } from '../cel-cost.ts';
import { likeScans } from './like.ts';
import type { CesqlNode } from './types.ts';

/*
 * A bound on what one evaluation of a CESQL expression costs, checked when the Trigger loads
 * with the same limits as CEL (cel-cost.ts CEL_COST_LIMITS: events with 1 MiB attributes, and
 * 1 KiB ones), so one tenant's filter cannot take a measurable share of the dispatcher.
 * CESQL is total (§1: no loops), so the cost is the closures run plus the characters they read:
 * a string from the event is at most `attributeBytes` long, a CONCAT as long as its parts.
 * Equality with a literal is not charged (lengths differ or a short compare); reading a string
 * to cast, match, hash or transform it is, and a LIKE pattern mixing `%` and `_` reads the text
 * up to once per pattern character (like.ts).
 */

export interface CesqlCostExceeded {
  readonly estimated: number;
  readonly limit: number;
  readonly attributeBytes: number;
  /** Where the costliest subexpression starts. */
  readonly offset: number;
}

/** Totals over the tree; `estimate` returns the longest string a node yields, in attributes' worth. */
interface Estimate {
  /** Characters read, in attributes' worth. */
  reads: number;
  nodes: number;
  costliest: { reads: number; offset: number };
}

function estimate(node: CesqlNode, totals: Estimate): number {
  totals.nodes++;
  let reads = 0;
  let size = 0;
  switch (node.kind) {
    case 'literal':
    case 'exists':
      break;
    case 'attribute':
      size = 1;
      break;
    case 'not':
    case 'negate':
      reads = estimate(node.operand, totals);
      break;
    case 'binary': {
      const left = estimate(node.left, totals);
      const right = estimate(node.right, totals);
      const equality = node.operator === '=' || node.operator === '!=' || node.operator === '<>';
      const withLiteral = node.left.kind === 'literal' || node.right.kind === 'literal';
      reads =
        equality &&
        withLiteral &&
        (typeof literalOf(node.left) === 'string' || typeof literalOf(node.right) === 'string')
          ? 0
          : left + right;
      break;
    }
    case 'like':
      reads = estimate(node.value, totals) * likeScans(node.pattern);
      break;
    case 'in': {
      const value = estimate(node.value, totals);
      let elements = 0;
      for (const element of node.set) elements += estimate(element, totals);
      reads =
        value * (node.set.every((element) => element.kind === 'literal') ? 1 : node.set.length) + elements;
      break;
    }
    case 'call': {
      let total = 0;
      let first = 0;
      node.args.forEach((arg, i) => {
        const argument = estimate(arg, totals);
        total += argument;
        if (i === 0) first = argument;
      });
      reads = total;
      // What the result can hold: CONCAT joins its arguments, the others cut or map the first.
      size = node.name === 'CONCAT' || node.name === 'CONCAT_WS' ? total : first;
      if (
        node.name === 'LENGTH' ||
        node.name === 'ABS' ||
        node.name.startsWith('IS_') ||
        node.name === 'INT' ||
        node.name === 'BOOL'
      )
        size = 0;
      break;
    }
  }
  totals.reads += reads;
  if (reads > totals.costliest.reads) totals.costliest = { reads, offset: node.offset };
  return size;
}

function literalOf(node: CesqlNode): unknown {
  return node.kind === 'literal' ? node.value : undefined;
}

/** The first CEL_COST_LIMITS limit the expression exceeds, if any. */
export function checkCesqlCost(ast: CesqlNode): CesqlCostExceeded | undefined {
  const totals: Estimate = { reads: 0, nodes: 0, costliest: { reads: 0, offset: ast.offset } };
  estimate(ast, totals);
  for (const { bounds, limit } of [CEL_COST_LIMITS.worstCase, CEL_COST_LIMITS.smallEvent]) {
    const estimated = totals.nodes + totals.reads * bounds.attributeBytes;
    if (estimated > limit) {
      return { estimated, limit, attributeBytes: bounds.attributeBytes, offset: totals.costliest.offset };
    }
  }
  return undefined;
}
