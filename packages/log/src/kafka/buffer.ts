/**
 * Records fetched for one partition and not yet handed to `onBatch`, oldest first. Kept as
 * kafkajs messages and turned into StoredRecords only when delivered, since a seek, a rebalance
 * or a failed batch drops whatever is still here.
 */
import type { KafkaMessage } from 'kafkajs';

export class FetchBuffer {
  private messages: KafkaMessage[] = [];
  private head = 0;

  get size(): number {
    return this.messages.length - this.head;
  }

  push(messages: KafkaMessage[], from: number): void {
    if (this.size === 0) {
      this.messages = messages.slice(from);
      this.head = 0;
      return;
    }
    for (let i = from; i < messages.length; i++) this.messages.push(messages[i]!);
  }

  /** Removes and returns up to `max` messages. */
  take(max: number): KafkaMessage[] {
    const end = Math.min(this.messages.length, this.head + max);
    const taken = this.messages.slice(this.head, end);
    this.head = end;
    if (this.head === this.messages.length) this.clear();
    return taken;
  }

  clear(): void {
    this.messages = [];
    this.head = 0;
  }
}
