/**
 * Remembers the (source, id) pairs a broker accepted for `windowMs`, so a webhook the sender
 * retries (after a timeout on its side, say) is acknowledged again instead of published twice
 * (CloudEvents 1.0.2 §"id": source + id identify an event). At most `maxEntries` are kept; the
 * oldest go first. Because the window is one length for all, insertion order is expiry order and
 * expiring is a walk from the head of the Map.
 */
export class DedupWindow {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #expiries = new Map<string, number>();

  constructor(windowMs: number, maxEntries: number, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get enabled(): boolean {
    return this.#windowMs > 0;
  }

  get size(): number {
    return this.#expiries.size;
  }

  /** True when `key` was accepted within the window. */
  has(key: string): boolean {
    if (!this.enabled) return false;
    this.#expire();
    return this.#expiries.has(key);
  }

  /** Records that `key` was accepted now. */
  add(key: string): void {
    if (!this.enabled) return;
    this.#expire();
    this.#expiries.delete(key);
    this.#expiries.set(key, this.#now() + this.#windowMs);
    while (this.#expiries.size > this.#maxEntries) {
      const oldest = this.#expiries.keys().next().value as string;
      this.#expiries.delete(oldest);
    }
  }

  #expire(): void {
    const now = this.#now();
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) break;
      this.#expiries.delete(key);
    }
  }
}
