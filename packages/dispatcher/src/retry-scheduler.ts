interface Entry<T> {
  due: number;
  /** Insertion order: equal due times come out first in, first out. */
  seq: number;
  item: T;
}

/** Longest a Node.js timer waits; longer waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The retry reader's bounded in-memory delay queue: a binary min-heap on due time with a single
 * timer for the earliest entry. `full` tells the reader to pause the retry topic, `onSpace` that
 * it may resume.
 */
export class RetryScheduler<T> {
  readonly #heap: Entry<T>[] = [];
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #onDue: (item: T) => void;
  readonly #onSpace: () => void;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(capacity: number, now: () => number, onDue: (item: T) => void, onSpace: () => void) {
    this.#capacity = capacity;
    this.#now = now;
    this.#onDue = onDue;
    this.#onSpace = onSpace;
  }

  get size(): number {
    return this.#heap.length;
  }

  get full(): boolean {
    return this.#heap.length >= this.#capacity;
  }

  add(due: number, item: T): void {
    if (this.#closed) return;
    const heap = this.#heap;
    heap.push({ due, seq: this.#seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
    if (i === 0) this.#arm();
  }

  /** Drops everything (stop): nothing held was committed, so it is read again on restart. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#heap.length = 0;
  }

  #arm(): void {
    const head = this.#heap[0];
    if (head === undefined || this.#closed) return;
    if (this.#timer !== undefined && this.#timerDue <= head.due) return;
    clearTimeout(this.#timer);
    this.#timerDue = head.due;
    const wait = Math.min(Math.max(0, head.due - this.#now()), MAX_TIMER_MS);
    this.#timer = setTimeout(this.#fire, wait);
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    const wasFull = this.full;
    const now = this.#now();
    while (!this.#closed && this.#heap.length > 0 && this.#heap[0]!.due <= now) this.#onDue(this.#pop());
    this.#arm();
    if (wasFull && !this.full && !this.#closed) this.#onSpace();
  };

  #pop(): T {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top.item;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
