import type { Contract } from '@eventyard/core';

/**
 * True when both contracts hold the very same entries. `buildContract` hands back the previous
 * entry object for anything unchanged, so identity is enough, and a reload that changed nothing
 * publishes no new generation.
 */
export function sameEntries(a: Contract, b: Contract): boolean {
  if (a.brokers.size !== b.brokers.size || a.triggers.size !== b.triggers.size) return false;
  for (const [key, entry] of a.brokers) if (b.brokers.get(key) !== entry) return false;
  for (const [key, entry] of a.triggers) if (b.triggers.get(key) !== entry) return false;
  return true;
}

/** One log line about a contract: its generation and how much of it is ready. */
export function contractSummary(contract: Contract): string {
  let ready = 0;
  for (const trigger of contract.triggers.values()) if (trigger.status.ready) ready++;
  return `generation ${contract.generation}: ${contract.brokers.size} broker(s), ${contract.triggers.size} trigger(s) (${ready} ready)`;
}
