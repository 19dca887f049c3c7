/**
 * A FIFO ring buffer: O(1) push and shift without the O(n) `Array.prototype.shift` of a plain
 * array, and no per-item allocation. Grows by doubling; never shrinks below its largest size,
 * which the callers bound (queue capacity, batch size).
 */
export class Deque<T> {
  #items: Array<T | undefined>;
  #head = 0;
  #length = 0;

  constructor(initialCapacity = 16) {
    this.#items = new Array(Math.max(2, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length++;
  }

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return item;
  }

  /** Removes every item, handing each to `fn` (oldest first). */
  drain(fn: (item: T) => void): void {
    while (this.#length > 0) fn(this.shift() as T);
  }

  #grow(): void {
    const items = new Array<T | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = items;
    this.#head = 0;
  }
}
