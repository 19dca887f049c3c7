import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; resolves false at once when `signal` aborts (the dispatcher is stopping). */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
