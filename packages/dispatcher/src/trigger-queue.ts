import type { TriggerEntry } from '@eventyard/core';
import { parseTarget, type Target } from './delivery.ts';
import { Deque } from './deque.ts';
import type { EventEnvelope } from './envelope.ts';
import type { TriggerMetrics } from './metrics.ts';

/** One event to deliver to one trigger. */
export interface DeliveryJob {
  readonly envelope: EventEnvelope;
  /** Number of the next attempt, from 1. */
  attempt: number;
  /** Ordered triggers deliver one event per key at a time: the record key, else its partition. */
  readonly orderKey: string;
  /**
   * Told once the delivery is finished: delivered, dead-lettered, or handed to the retry topic.
   * Never told about a delivery abandoned at stop, so its record stays uncommitted.
   */
  readonly ticket: { finishOne(): void };
}

/** Runs one job to its end and resolves with it; never rejects. */
export type JobRunner = (trigger: TriggerQueue, job: DeliveryJob) => Promise<DeliveryJob>;

export interface TriggerQueueHooks {
  run: JobRunner;
  /** The queue reached its capacity: the partitions feeding it should pause. */
  onBlocked(trigger: TriggerQueue): void;
  /** The queue drained to half its capacity: paused partitions may resume. */
  onUnblocked(trigger: TriggerQueue): void;
}

/**
 * A trigger's delivery queue: a bounded FIFO drained by at most `maxInFlight` concurrent
 * deliveries. Ordered triggers (`eventyard.dev/delivery-order: ordered`) keep one delivery in
 * flight per key while different keys proceed in parallel. Reaching the capacity reports the queue
 * blocked, with hysteresis (unblocked at half), so the reader pauses instead of buffering more.
 */
export class TriggerQueue {
  entry: TriggerEntry;
  target: Target;
  readonly key: string;
  readonly metrics: TriggerMetrics;
  readonly #capacity: number;
  readonly #hooks: TriggerQueueHooks;
  readonly #queue = new Deque<DeliveryJob>(64);
  /** Keys with a delivery in flight (ordered), each with the jobs parked behind it. */
  readonly #busy = new Map<string, Deque<DeliveryJob>>();
  #parked = 0;
  #inFlight = 0;
  #blocked = false;
  #retired = false;
  /** Resolved when the last delivery in flight ends (see `settled`). */
  #idle: PromiseWithResolvers<void> | undefined;
  /** One callback for every job's end, rather than a closure per job. */
  readonly #finished = (job: DeliveryJob): void => this.#done(job);

  constructor(entry: TriggerEntry, metrics: TriggerMetrics, capacity: number, hooks: TriggerQueueHooks) {
    this.entry = entry;
    this.key = entry.key;
    this.target = parseTarget(entry.subscriberUri!);
    this.metrics = metrics;
    this.#capacity = capacity;
    this.#hooks = hooks;
  }

  /** Jobs waiting (not in flight). */
  get length(): number {
    return this.#queue.length + this.#parked;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** A new version of the trigger (subscriber, delivery, concurrency): applies to the next attempts. */
  update(entry: TriggerEntry): void {
    if (entry.subscriberUri !== this.entry.subscriberUri) this.target = parseTarget(entry.subscriberUri!);
    this.entry = entry;
    this.#pump();
  }

  enqueue(job: DeliveryJob): void {
    this.#queue.push(job);
    this.#pump();
    this.#changed();
  }

  /**
   * The trigger is gone or not ready: waiting jobs are handed back (the caller decides whether they
   * count as finished), deliveries in flight run to their end.
   */
  retire(): DeliveryJob[] {
    this.#retired = true;
    const dropped: DeliveryJob[] = [];
    this.#queue.drain((job) => dropped.push(job));
    for (const parked of this.#busy.values()) parked.drain((job) => dropped.push(job));
    this.#parked = 0;
    this.#changed();
    this.metrics.remove();
    return dropped;
  }

  /** Resolves when no delivery is in flight. */
  settled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    this.#idle ??= Promise.withResolvers();
    return this.#idle.promise;
  }

  #pump(): void {
    if (this.#retired) return;
    const ordered = this.entry.ordered;
    while (this.#inFlight < this.entry.maxInFlight && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      if (ordered) {
        const parked = this.#busy.get(job.orderKey);
        if (parked !== undefined) {
          parked.push(job);
          this.#parked++;
          continue;
        }
        this.#busy.set(job.orderKey, new Deque(4));
      }
      this.#start(job);
    }
  }

  #start(job: DeliveryJob): void {
    this.#inFlight++;
    this.metrics.inFlight(this.#inFlight);
    this.#hooks.run(this, job).then(this.#finished);
  }

  #done(job: DeliveryJob): void {
    this.#inFlight--;
    const parked = this.#busy.get(job.orderKey);
    if (parked !== undefined) {
      const next = parked.shift();
      if (next !== undefined && !this.#retired) {
        this.#parked--;
        this.#start(next);
      } else {
        this.#busy.delete(job.orderKey);
      }
    }
    this.metrics.inFlight(this.#inFlight);
    this.#pump();
    this.#changed();
    if (this.#inFlight === 0 && this.#idle !== undefined) {
      this.#idle.resolve();
      this.#idle = undefined;
    }
  }

  #changed(): void {
    const length = this.length;
    this.metrics.queueLength(length);
    if (!this.#blocked && length >= this.#capacity && !this.#retired) {
      this.#blocked = true;
      this.#hooks.onBlocked(this);
    } else if (this.#blocked && (length <= this.#capacity / 2 || this.#retired)) {
      this.#blocked = false;
      this.#hooks.onUnblocked(this);
    }
  }
}
