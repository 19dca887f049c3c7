/**
 * What every handle on the same database file in this process shares: the append notifier that
 * wakes waiting consumers at once (no busy polling), and the registry that allows one live
 * consumer per group and topic. Other processes are not covered: the embedded log is meant for
 * one process, and their appends reach consumers through the slow poll.
 */

/**
 * Called after an append commits, with a flag per partition that received records. The array is
 * reused by the next append: read it during the call, never keep it.
 */
export type AppendListener = (touched: Uint8Array) => void;

export class Hub {
  private static readonly hubs = new Map<string, Hub>();

  /** The hub of a database file (by real path), shared until the last handle releases it. */
  static acquire(file: string): Hub {
    let hub = Hub.hubs.get(file);
    if (hub === undefined) {
      hub = new Hub(file);
      Hub.hubs.set(file, hub);
    }
    hub.refs++;
    return hub;
  }

  readonly file: string;
  private refs = 0;
  private readonly listeners = new Map<string, Set<AppendListener>>();
  private readonly consumers = new Set<string>();

  private constructor(file: string) {
    this.file = file;
  }

  release(): void {
    if (--this.refs === 0) Hub.hubs.delete(this.file);
  }

  listen(topic: string, listener: AppendListener): () => void {
    let set = this.listeners.get(topic);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(topic) === set) this.listeners.delete(topic);
    };
  }

  notify(topic: string, touched: Uint8Array): void {
    const set = this.listeners.get(topic);
    if (set === undefined) return;
    for (const listener of set) listener(touched);
  }

  /** Claims group+topic for one consumer; false when another consumer holds it. */
  claim(group: string, topic: string): boolean {
    const key = `${group}\u0000${topic}`;
    if (this.consumers.has(key)) return false;
    this.consumers.add(key);
    return true;
  }

  unclaim(group: string, topic: string): void {
    this.consumers.delete(`${group}\u0000${topic}`);
  }

  claimed(group: string, topic: string): boolean {
    return this.consumers.has(`${group}\u0000${topic}`);
  }
}
