import { Deque } from './deque.ts';

/**
 * One record read from a partition, with the number of its deliveries still open (one per matched
 * trigger). It is finished when that number reaches zero.
 */
export class RecordTicket {
  readonly offset: number;
  #open: number;
  readonly #partition: PartitionOffsets;

  constructor(partition: PartitionOffsets, offset: number, open: number) {
    this.#partition = partition;
    this.offset = offset;
    this.#open = open;
  }

  get finished(): boolean {
    return this.#open === 0;
  }

  /** One delivery of this record finished (delivered, dead-lettered, or handed to the retry topic). */
  finishOne(): void {
    if (this.#open === 0) return;
    if (--this.#open === 0) this.#partition.advance();
  }
}

/**
 * The records of one partition read but not yet committable, in offset order. The commit position
 * is the offset of the oldest unfinished record: only the contiguous prefix of finished records is
 * ever committed (the Kafka broker's rule), so a record finishing out of order never lets the
 * commit skip one still open, and offsets the log never handed over (gaps after retention) are
 * passed over with the records around them.
 */
export class PartitionOffsets {
  readonly partition: number;
  readonly #open = new Deque<RecordTicket>(64);
  /** Next offset to commit: everything before it is finished. */
  #position: number | undefined;
  #committed: number | undefined;
  /** The offset last tracked. */
  #last: number | undefined;

  constructor(partition: number) {
    this.partition = partition;
  }

  /** True when the record at `offset` (or one after it) was tracked already. */
  tracked(offset: number): boolean {
    return this.#last !== undefined && this.#last >= offset;
  }

  /** Starts tracking the next record handed over; offsets must increase. */
  track(offset: number, open: number): RecordTicket {
    this.#last = offset;
    const ticket = new RecordTicket(this, offset, open);
    if (this.#open.length === 0) this.#position = offset;
    if (open === 0 && this.#open.length === 0) {
      this.#position = offset + 1;
      return ticket;
    }
    this.#open.push(ticket);
    return ticket;
  }

  /** Drops finished records from the head and moves the position past them. */
  advance(): void {
    let head = this.#open.peek();
    while (head?.finished) {
      this.#open.shift();
      this.#position = head.offset + 1;
      head = this.#open.peek();
    }
    if (head !== undefined) this.#position = head.offset;
  }

  /** The offset to commit when it moved since the last commit, else undefined. */
  pendingCommit(): number | undefined {
    const position = this.#position;
    return position !== undefined && position !== this.#committed ? position : undefined;
  }

  committed(offset: number): void {
    this.#committed = offset;
  }

  /** Records read and not finished. */
  get openCount(): number {
    return this.#open.length;
  }
}

/** Commit positions of every partition of one consumer. */
export class OffsetTracker {
  readonly #partitions = new Map<number, PartitionOffsets>();

  partition(partition: number): PartitionOffsets {
    let state = this.#partitions.get(partition);
    if (state === undefined) {
      state = new PartitionOffsets(partition);
      this.#partitions.set(partition, state);
    }
    return state;
  }

  /** Forgets a partition (revoked): tickets still open for it no longer move anything committed. */
  drop(partition: number): void {
    this.#partitions.delete(partition);
  }

  /** Partitions whose commit position moved, with the offset to commit. */
  pending(): Array<{ partition: number; offset: number }> {
    const result: Array<{ partition: number; offset: number }> = [];
    for (const state of this.#partitions.values()) {
      const offset = state.pendingCommit();
      if (offset !== undefined) result.push({ partition: state.partition, offset });
    }
    return result;
  }

  committed(partition: number, offset: number): void {
    this.#partitions.get(partition)?.committed(offset);
  }

  get openCount(): number {
    let open = 0;
    for (const state of this.#partitions.values()) open += state.openCount;
    return open;
  }
}
