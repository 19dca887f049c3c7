/**
 * Records fetched for one partition and not yet handed to `onBatch`, oldest first. A consumer keeps
 * them in its client's shape and turns them into StoredRecords only when delivered (or, when that
 * is as cheap, as StoredRecords), since a seek, a rebalance or a failed batch drops whatever is
 * still here.
 */
export class FetchBuffer<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(items: T[], from: number): void {
    if (this.size === 0) {
      this.items = items.slice(from); // a copy: later pushes append to it
      this.head = 0;
      return;
    }
    for (let i = from; i < items.length; i++) this.items.push(items[i]!);
  }

  /** Removes and returns up to `max` items. */
  take(max: number): T[] {
    const end = Math.min(this.items.length, this.head + max);
    const taken =
      this.head === 0 && end === this.items.length ? this.items : this.items.slice(this.head, end);
    this.head = end;
    if (this.head === this.items.length) this.clear();
    return taken;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
