/**
 * One `consume()` call: a kafkajs group consumer of one topic, with the EventLog batch contract on
 * top of it.
 *
 * kafkajs fetches a broker's partitions together and fetches again only after every batch of the
 * previous fetch was handled, so a slow `onBatch` would hold up every other partition (and the
 * heartbeats). Instead kafkajs' `eachBatch` only moves the fetched records into a per-partition
 * buffer (resolving their offsets: kafkajs' fetch position, not a commit) and returns. Each
 * partition hands its buffer to `onBatch` in chunks of `maxBatchSize`, one at a time; kafkajs
 * keeps fetching ahead while a chunk is out and pauses the partition once PREFETCH_BATCHES chunks
 * wait. The fetch loop, and with it the heartbeats, never waits for `onBatch`, and partitions
 * proceed independently.
 *
 * Rebalances: kafkajs joins with the eager protocol, where a member gives up all its partitions
 * and fetches from the committed offsets after rejoining. So `onRevoke` gets every owned partition
 * when kafkajs reports the rebalance (REBALANCING, or a crash), and `onAssign` the new assignment
 * (GROUP_JOIN), in that order; buffers are dropped and batches wait until both ran. kafkajs sends
 * its JoinGroup without waiting for `onRevoke`, so commits made there race with the rejoin: they
 * land while the group still rebalances (the broker waits for every member) or under the new
 * generation. Kafka does not check partition ownership on commit, so a late commit is never lost;
 * at worst a new owner reads some records again (at-least-once). On `close()`, the batches in
 * flight finish and `onRevoke` runs while the member is still in the group, so its commits land.
 */
import { isEventyardError } from '@eventyard/core';
import type { EachBatchPayload, Kafka, Consumer as KafkaConsumer, KafkaMessage } from 'kafkajs';
import { invalidArgument, logClosed, logUnavailable, partitionNotFound } from '../../../errors.ts';
import type { ConsumeOptions, Consumer, RecordBatch, StoredRecord } from '../../../types.ts';
import { FetchBuffer } from '../../buffer.ts';
import type { ClientKitHost } from '../../client-kit.ts';
import { type Commit, CommitQueue } from '../../commits.ts';
import { timedOut, withDeadline } from '../../errors.ts';
import { subscriptionRoundRobin } from './assigner.ts';
import { toLogError } from './errors.ts';
import { toStoredRecord } from './records.ts';

/** After `onBatch` rejects, the same records are offered again after this pause. */
const REDELIVERY_DELAY_MS = 1_000;
/** After kafkajs gives up on a consumer for good, a new one starts after this pause. */
const RESTART_DELAY_MS = 5_000;
const DEFAULT_MAX_BATCH_SIZE = 500;
/** Full batches a partition may hold beyond the one in flight before kafkajs stops fetching it. */
const PREFETCH_BATCHES = 4;

export interface ConsumerHost extends Omit<ClientKitHost, 'options'> {
  /** A fresh kafkajs client: kafkajs caches committed offsets per client, and a consumer's cache must be its own. */
  newKafka(): Kafka;
}

interface PartitionState {
  /** Assigned to this member by the last rebalance. */
  owned: boolean;
  /** Paused by the caller. */
  paused: boolean;
  /** An `onBatch` of this partition has not settled yet. */
  inFlight: boolean;
  /** kafkajs is told not to fetch this partition. */
  fetchPaused: boolean;
  buffer: FetchBuffer<KafkaMessage>;
  /** Offset after the last record fetched (kafkajs' fetch position), once known. */
  position: number | undefined;
  /** After a forward seek: records below this offset are dropped as they arrive. */
  skipUntil: number | undefined;
  /** Bumped by `seek`, so a failed batch does not rewind over a newer seek. */
  seeks: number;
  /** A seek kafkajs could not take yet (consumer restarting); applied on the next assignment. */
  pendingSeek: number | undefined;
}

export class KafkaLogConsumer implements Consumer {
  readonly group: string;
  readonly topic: string;
  private readonly host: ConsumerHost;
  private readonly options: ConsumeOptions;
  private readonly maxBatchSize: number;
  private readonly prefetch: number;
  private readonly parts: PartitionState[] = [];
  private state: 'starting' | 'running' | 'closing' | 'closed' = 'starting';
  private client: KafkaConsumer | undefined;
  /** onRevoke / onAssign, one after the other; batches wait for it. */
  private lifecycle: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly commits: CommitQueue;

  constructor(host: ConsumerHost, options: ConsumeOptions, partitions: number) {
    this.host = host;
    this.options = options;
    this.group = options.group;
    this.topic = options.topic;
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw invalidArgument(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    this.prefetch = this.maxBatchSize * PREFETCH_BATCHES;
    for (let p = 0; p < partitions; p++) this.parts.push(newPartition());
    this.commits = new CommitQueue((commits) => this.sendCommits(commits));
  }

  /** Joins the group; resolves once the first assignment was handed to `onAssign`. */
  async start(): Promise<void> {
    try {
      await this.spawn(true);
      await this.lifecycle;
    } catch (error) {
      this.state = 'closed';
      const client = this.client;
      this.client = undefined;
      await client?.disconnect().catch(() => {});
      this.host.released(this);
      throw toLogError(error, `cannot start a consumer of group "${this.group}"`, this.topic);
    }
  }

  commit(partition: number, offset: number): Promise<void> {
    if (this.state === 'closed') return Promise.reject(logClosed(`the consumer of group "${this.group}"`));
    try {
      this.check(partition);
      checkOffset(offset);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.commits.commit(partition, offset);
  }

  pause(partition: number): void {
    this.check(partition);
    this.part(partition).paused = true;
    this.flow(partition);
  }

  resume(partition: number): void {
    this.check(partition);
    const part = this.part(partition);
    if (!part.paused) return;
    part.paused = false;
    this.pump(partition);
  }

  seek(partition: number, offset: number): void {
    this.check(partition);
    checkOffset(offset);
    const part = this.part(partition);
    part.seeks++;
    part.buffer.clear();
    part.skipUntil = undefined;
    if (part.position !== undefined && offset >= part.position) {
      // Ahead of what was fetched: read on and drop what lies before. (A kafkajs seek past the
      // end of the partition would be "out of range", which kafkajs answers by starting over.)
      part.skipUntil = offset;
    } else {
      part.pendingSeek = offset;
      this.applySeek(partition);
    }
    this.pump(partition);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    clearTimeout(this.restartTimer);
    for (let p = 0; p < this.parts.length; p++) {
      this.parts[p]!.buffer.clear();
      this.flow(p); // no more fetching
    }
    try {
      // Settled, never rejected: a failed batch must not stop the revoke.
      while (this.inFlight.size > 0) await Promise.all(this.inFlight);
      await this.lifecycle;
      // Still a member of the group here, so what onRevoke commits lands.
      await this.revoke();
      await this.commits.settled();
    } finally {
      this.state = 'closed';
      const client = this.client;
      this.client = undefined;
      if (client !== undefined) {
        await withDeadline(client.disconnect(), this.host.requestTimeoutMs, () =>
          timedOut(`leaving group "${this.group}"`, this.host.requestTimeoutMs),
        ).catch((error: unknown) =>
          this.host.reportError(error, `closing the consumer of group "${this.group}"`),
        );
      }
      this.host.released(this);
    }
  }

  /** Creates, connects and runs a kafkajs consumer; `first` rejects when it cannot join. */
  private async spawn(first: boolean): Promise<void> {
    const { settings, requestTimeoutMs } = this.host;
    const client = this.host.newKafka().consumer({
      groupId: this.group,
      partitionAssigners: [subscriptionRoundRobin],
      sessionTimeout: settings.sessionTimeoutMs ?? 15_000,
      heartbeatInterval: settings.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: settings.rebalanceTimeoutMs ?? 60_000,
      maxWaitTimeInMs: settings.maxWaitTimeMs ?? 100,
      allowAutoTopicCreation: false,
      // kafkajs restarts a crashed consumer by itself when the cause is retriable.
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 10 },
    });
    this.client = client;
    // Fetching states start over with a new client: nothing is paused there yet.
    for (const part of this.parts) part.fetchPaused = false;
    let joined: (() => void) | undefined;
    let failed: ((error: unknown) => void) | undefined;
    const firstJoin = new Promise<void>((resolve, reject) => {
      joined = resolve;
      failed = reject;
    });
    firstJoin.catch(() => {});
    client.on(client.events.GROUP_JOIN, ({ payload }) => {
      if (this.client !== client) return;
      this.assign(payload.memberAssignment[this.topic] ?? []);
      joined?.();
      joined = undefined;
    });
    client.on(client.events.REBALANCING, () => {
      if (this.client !== client) return;
      this.lifecycle = this.lifecycle.then(() => this.revoke());
    });
    client.on(client.events.CRASH, ({ payload }) => {
      if (this.client !== client) return;
      // kafkajs restarts with a new group state, where nothing is paused.
      for (const part of this.parts) part.fetchPaused = false;
      this.lifecycle = this.lifecycle.then(() => this.revoke());
      if (first && joined !== undefined) {
        failed?.(payload.error); // start() reports it
        return;
      }
      if (this.state !== 'running') return;
      this.host.reportError(
        payload.error,
        `the consumer of group "${this.group}" on topic "${this.topic}" crashed`,
      );
      if (!payload.restart) this.scheduleRestart(client);
    });

    const deadline = (what: string) => () =>
      timedOut(`${what} (group "${this.group}", topic "${this.topic}")`, requestTimeoutMs);
    await withDeadline(client.connect(), requestTimeoutMs, deadline('connecting'));
    await withDeadline(
      client.subscribe({ topics: [this.topic], fromBeginning: this.options.start !== 'latest' }),
      requestTimeoutMs,
      deadline('subscribing'),
    );
    if (first) this.state = 'running';
    await client.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onFetched(client, payload),
    });
    // run() resolves after the first join, or after a crash of it.
    if (first) await firstJoin;
  }

  /** kafkajs gave up on `client` for good: start over with a new one. */
  private scheduleRestart(client: KafkaConsumer): void {
    this.restartTimer = setTimeout(() => {
      if (this.state !== 'running' || this.client !== client) return;
      void client
        .disconnect()
        .catch(() => {})
        .then(() => (this.state === 'running' ? this.spawn(false) : undefined))
        .catch((error: unknown) => {
          this.host.reportError(error, `restarting the consumer of group "${this.group}" failed`);
          if (this.client !== undefined) this.scheduleRestart(this.client);
        });
    }, RESTART_DELAY_MS);
    this.restartTimer.unref();
  }

  private assign(partitions: number[]): void {
    const sorted = [...partitions].sort((a, b) => a - b);
    this.lifecycle = this.lifecycle.then(async () => {
      // A rejoin that kafkajs did not announce (unknown member id): the old assignment is gone.
      await this.revoke();
      for (const p of sorted) {
        const part = this.part(p);
        part.owned = true;
        if (part.pendingSeek !== undefined) this.applySeek(p);
        this.flow(p);
      }
      if (this.options.onAssign === undefined) return;
      try {
        await this.options.onAssign(sorted);
      } catch (error) {
        this.host.reportError(error, `onAssign failed for group "${this.group}"`);
      }
    });
  }

  private async revoke(): Promise<void> {
    const owned: number[] = [];
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p]!;
      if (!part.owned) continue;
      // After the rejoin kafkajs reads from the committed offsets: what was fetched is void.
      part.owned = false;
      part.buffer.clear();
      part.position = undefined;
      part.skipUntil = undefined;
      owned.push(p);
    }
    if (owned.length === 0 || this.options.onRevoke === undefined) return;
    try {
      await this.options.onRevoke(owned);
    } catch (error) {
      this.host.reportError(error, `onRevoke failed for group "${this.group}"`);
    }
  }

  /** kafkajs' eachBatch: buffer the records and return at once (see the top of this file). */
  private async onFetched(client: KafkaConsumer, payload: EachBatchPayload): Promise<void> {
    await this.lifecycle;
    const { batch } = payload;
    if (this.client !== client || this.state !== 'running' || !payload.isRunning() || payload.isStale())
      return;
    const partition = batch.partition;
    const part = this.part(partition);
    const messages = batch.messages;
    if (!part.owned || messages.length === 0) return;
    const last = messages[messages.length - 1]!.offset;
    payload.resolveOffset(last);
    part.position = Number(last) + 1;
    let from = 0;
    if (part.skipUntil !== undefined) {
      const skip = part.skipUntil;
      while (from < messages.length && Number(messages[from]!.offset) < skip) from++;
      if (from < messages.length) part.skipUntil = undefined;
    }
    part.buffer.push(messages, from);
    this.pump(partition);
  }

  /** Hands the next chunk of `partition` to `onBatch` when it may go, and sets kafkajs' fetching. */
  private pump(partition: number): void {
    const part = this.part(partition);
    if (this.state === 'running' && part.owned && !part.paused && !part.inFlight && part.buffer.size > 0) {
      const messages = part.buffer.take(this.maxBatchSize);
      const records = new Array<StoredRecord>(messages.length);
      for (let i = 0; i < messages.length; i++)
        records[i] = toStoredRecord(this.topic, partition, messages[i]!);
      this.deliver(partition, part, { topic: this.topic, partition, records });
    }
    this.flow(partition);
  }

  private deliver(partition: number, part: PartitionState, batch: RecordBatch): void {
    part.inFlight = true;
    const seeks = part.seeks;
    const from = batch.records[0]!.offset;
    const delivery = this.run(batch).then((failure) => {
      part.inFlight = false;
      this.inFlight.delete(delivery);
      if (failure === undefined) {
        this.pump(partition);
        return;
      }
      this.host.reportError(failure, `onBatch failed for partition ${partition} of topic "${this.topic}"`);
      // At-least-once: offer the same records again unless the caller moved the position since.
      if (part.seeks === seeks && part.owned) {
        part.buffer.clear();
        part.skipUntil = undefined;
        part.pendingSeek = from;
        this.applySeek(partition);
      }
      part.inFlight = true; // hold the partition during the pause
      this.flow(partition);
      setTimeout(() => {
        part.inFlight = false;
        this.pump(partition);
      }, REDELIVERY_DELAY_MS).unref();
    });
    this.inFlight.add(delivery);
  }

  /** Runs `onBatch`; resolves with its error instead of rejecting. */
  private async run(batch: RecordBatch): Promise<unknown> {
    try {
      await this.options.onBatch(batch);
      return undefined;
    } catch (error) {
      return error ?? new Error('onBatch rejected');
    }
  }

  /** kafkajs fetches a partition while it is ours, not paused, and its buffer has room. */
  private flow(partition: number): void {
    const part = this.part(partition);
    const fetch = this.state === 'running' && part.owned && !part.paused && part.buffer.size < this.prefetch;
    if (fetch === !part.fetchPaused) return;
    const topics = [{ topic: this.topic, partitions: [partition] }];
    if (this.withClient((client) => (fetch ? client.resume(topics) : client.pause(topics)))) {
      part.fetchPaused = !fetch;
    }
  }

  private applySeek(partition: number): void {
    const part = this.part(partition);
    const offset = part.pendingSeek;
    if (offset === undefined) return;
    // kafkajs applies a seek at its next fetch, and only to a partition it has assigned.
    if (this.withClient((client) => client.seek({ topic: this.topic, partition, offset: String(offset) }))) {
      part.pendingSeek = undefined;
      part.position = offset;
    }
  }

  private async sendCommits(commits: Commit[]): Promise<void> {
    const client = this.client;
    if (client === undefined) throw logClosed(`the consumer of group "${this.group}"`);
    const ms = this.host.requestTimeoutMs;
    try {
      await withDeadline(
        client.commitOffsets(
          commits.map(({ partition, offset }) => ({ topic: this.topic, partition, offset: String(offset) })),
        ),
        ms,
        () =>
          timedOut(`committing offsets of group "${this.group}"`, ms, {
            group: this.group,
            topic: this.topic,
          }),
      );
    } catch (error) {
      if (isEventyardError(error)) throw error;
      // kafkajs refuses while it restarts a crashed consumer ("not initialized"): Kafka is away.
      throw logUnavailable(
        `committing offsets of group "${this.group}" on topic "${this.topic}" failed: ${(error as Error).message}`,
        error,
        { group: this.group, topic: this.topic },
      );
    }
  }

  /** Calls kafkajs; false when it refuses because its group is not running (between restarts). */
  private withClient(call: (client: KafkaConsumer) => void): boolean {
    const client = this.client;
    if (client === undefined) return false;
    try {
      call(client);
      return true;
    } catch {
      return false;
    }
  }

  private part(partition: number): PartitionState {
    // Partitions added to the topic after consume() started.
    while (this.parts.length <= partition) this.parts.push(newPartition());
    return this.parts[partition]!;
  }

  private check(partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.parts.length) {
      throw partitionNotFound(this.topic, partition, this.parts.length);
    }
  }
}

function newPartition(): PartitionState {
  return {
    owned: false,
    paused: false,
    inFlight: false,
    fetchPaused: false,
    buffer: new FetchBuffer(),
    position: undefined,
    skipUntil: undefined,
    seeks: 0,
    pendingSeek: undefined,
  };
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
  }
}
