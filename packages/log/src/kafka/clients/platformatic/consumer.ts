/**
 * One `consume()` call on @platformatic/kafka: the library's Consumer keeps the group membership
 * (JoinGroup/SyncGroup, heartbeats on their own timer, commits), and this class fetches.
 *
 * The library's `consume()` stream reads every assigned partition as one Node stream, which can
 * only pause as a whole and cannot seek; the EventLog contract needs each partition to pause,
 * resume and seek on its own, and a slow `onBatch` of one partition not to hold up the others. So
 * the fetching is done here with the library's `fetch()` (one request per leader broker in flight,
 * listing every partition of that broker that may fetch; the library keeps Kafka's incremental
 * fetch sessions): a partition fetches while it is owned, not paused, and holds fewer than
 * PREFETCH_BATCHES batches; fetched records wait in a per-partition buffer and go to `onBatch` in
 * chunks of `maxBatchSize`, one at a time per partition. Heartbeats never wait for `onBatch`.
 *
 * Positions: on assignment each partition starts at its committed offset, or (none committed) at
 * the earliest or latest offset as `start` says. A fetch answered after a seek, a rebalance or a
 * failed batch is dropped (each partition counts its position changes). An offset out of range
 * (records deleted by retention, or a seek past the end) continues at the oldest or the next
 * offset Kafka has.
 *
 * Rebalances (the eager protocol, as with kafkajs): when a heartbeat learns of a rebalance the
 * library rejoins at once and this consumer revokes every owned partition (`onRevoke`, commits
 * racing the rejoin as with kafkajs: Kafka does not check ownership on commit, at worst a new owner
 * reads some records again); the new assignment then reaches `onAssign`. On `close()`, the batches
 * in flight finish and `onRevoke` runs while the member is still in the group, so its commits land.
 */
import {
  type ClusterMetadata,
  type fetchV17,
  ListOffsetTimestamps,
  Consumer as PlatformaticConsumer,
} from '@platformatic/kafka';
import { invalidArgument, logClosed, partitionNotFound } from '../../../errors.ts';
import type { ConsumeOptions, Consumer, RecordBatch, StoredRecord } from '../../../types.ts';
import { FetchBuffer } from '../../buffer.ts';
import type { ClientKitHost } from '../../client-kit.ts';
import { type Commit, CommitQueue } from '../../commits.ts';
import { timedOut, withDeadline } from '../../errors.ts';
import { PROTOCOLS, subscriptionRoundRobin } from './assigner.ts';
import { isOffsetOutOfRange, toLogError } from './errors.ts';
import { connectionOptions } from './options.ts';
import { collectRecords } from './records.ts';

/** After `onBatch` rejects, the same records are offered again after this pause. */
const REDELIVERY_DELAY_MS = 1_000;
/** After the library gives up on the group (a rejoin failed for good), a new member starts after this pause. */
const RESTART_DELAY_MS = 5_000;
/** Pause before fetching again after a failed fetch or offset lookup (Kafka away, leader moving). */
const RETRY_DELAY_MS = 500;
const DEFAULT_MAX_BATCH_SIZE = 500;
/** Full batches a partition may hold beyond the one in flight before it stops fetching. */
const PREFETCH_BATCHES = 4;
/** Bytes asked for per partition and per request (Kafka still returns a first batch larger than this, KIP-74). */
const PARTITION_FETCH_BYTES = 1024 * 1024;
const FETCH_BYTES = 16 * 1024 * 1024;
/** Kafka's READ_COMMITTED isolation level: never show records of aborted transactions. */
const READ_COMMITTED = 1;

/** What the consumer needs from the log that opened it. */
export type PlatformaticConsumerHost = ClientKitHost;

type Client = PlatformaticConsumer<Buffer, Buffer, Buffer, Buffer>;
type FetchRequestTopic = fetchV17.FetchRequestTopic;
type FetchResponse = fetchV17.FetchResponse;

interface PartitionState {
  /** Assigned to this member by the last rebalance. */
  owned: boolean;
  /** Paused by the caller. */
  paused: boolean;
  /** An `onBatch` of this partition has not settled yet (or a failed one waits to be offered again). */
  inFlight: boolean;
  /** A fetch request listing this partition has not been answered yet. */
  fetching: boolean;
  buffer: FetchBuffer<StoredRecord>;
  /** Next offset to fetch, once known. */
  position: number | undefined;
  /** After a forward seek: records below this offset are dropped as they arrive. */
  skipUntil: number | undefined;
  /** Bumped whenever the position changes other than by a fetch: older fetch answers are void. */
  version: number;
  /** Bumped by `seek`, so a failed batch does not rewind over a newer seek. */
  seeks: number;
}

export class PlatformaticLogConsumer implements Consumer {
  readonly group: string;
  readonly topic: string;
  private readonly host: PlatformaticConsumerHost;
  private readonly options: ConsumeOptions;
  private readonly maxBatchSize: number;
  private readonly prefetch: number;
  private readonly parts: PartitionState[] = [];
  private state: 'starting' | 'running' | 'closing' | 'closed' = 'starting';
  private client: Client | undefined;
  /** onRevoke / onAssign and position lookups, one after the other; fetching waits for them. */
  private lifecycle: Promise<void> = Promise.resolve();
  private pendingLifecycle = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Leader brokers with a fetch request in flight. */
  private readonly fetchingNodes = new Set<number>();
  private fetchScheduled = false;
  /** The next metadata lookup asks Kafka instead of the client's cache. */
  private staleMetadata = false;
  private readonly commits: CommitQueue;

  constructor(host: PlatformaticConsumerHost, options: ConsumeOptions, partitions: number) {
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
      await this.spawn();
      this.state = 'running';
      await this.settledLifecycle();
      this.scheduleFetch();
    } catch (error) {
      this.state = 'closed';
      const client = this.client;
      this.client = undefined;
      await client?.close(true).catch(() => {});
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
    part.version++;
    part.buffer.clear();
    part.skipUntil = undefined;
    if (part.position !== undefined && offset > part.position) {
      // Ahead of what was fetched: read on and drop what lies before (a fetch past the end of
      // the partition would be out of range).
      part.skipUntil = offset;
    } else {
      part.position = offset;
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
    clearTimeout(this.retryTimer);
    for (const part of this.parts) {
      part.buffer.clear();
      part.version++;
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
        await withDeadline(client.close(), this.host.requestTimeoutMs, () =>
          timedOut(`leaving group "${this.group}"`, this.host.requestTimeoutMs),
        ).catch((error: unknown) => {
          client.close(true).catch(() => {});
          this.host.reportError(error, `closing the consumer of group "${this.group}"`);
        });
      }
      this.host.released(this);
    }
  }

  /** Creates a client and joins the group; rejects when it cannot join. */
  private async spawn(): Promise<void> {
    const { settings, requestTimeoutMs, options } = this.host;
    const client: Client = new PlatformaticConsumer({
      ...connectionOptions(options),
      groupId: this.group,
      ...(settings.groupInstanceId === undefined ? {} : { groupInstanceId: settings.groupInstanceId }),
      sessionTimeout: settings.sessionTimeoutMs ?? 15_000,
      heartbeatInterval: settings.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: settings.rebalanceTimeoutMs ?? 60_000,
      maxWaitTime: settings.maxWaitTimeMs ?? 100,
      protocols: PROTOCOLS,
      partitionAssigner: subscriptionRoundRobin,
      autocommit: false,
      isolationLevel: READ_COMMITTED,
      timeout: requestTimeoutMs,
      retries: 3,
      retryDelay: 250,
    });
    this.client = client;
    client.on('consumer:group:join', ({ assignments }) => {
      if (this.client !== client) return;
      this.assign(assignments?.find((a) => a.topic === this.topic)?.partitions ?? []);
    });
    client.on('consumer:group:rebalance', () => {
      if (this.client !== client) return;
      this.enqueue(() => this.revoke());
    });
    // Emitted when a rejoin failed for good: no more heartbeats, the member is gone.
    client.on('error', (error: unknown) => {
      if (this.client !== client || this.state !== 'running') return;
      this.host.reportError(
        error,
        `the consumer of group "${this.group}" on topic "${this.topic}" left its group`,
      );
      this.enqueue(() => this.revoke());
      this.scheduleRestart(client);
    });
    client.topics.track(this.topic);
    // A join waits for the other members to rejoin (up to the rebalance timeout); an unreachable
    // Kafka fails sooner, when the client's own retries run out.
    const joinMs = (settings.rebalanceTimeoutMs ?? 60_000) + requestTimeoutMs;
    await withDeadline(client.joinGroup({}), joinMs, () =>
      timedOut(`joining group "${this.group}" (topic "${this.topic}")`, joinMs),
    );
  }

  /** The member left its group for good: start over with a new one. */
  private scheduleRestart(client: Client): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.state !== 'running' || this.client !== client) return;
      void client
        .close(true)
        .catch(() => {})
        .then(() => (this.state === 'running' ? this.spawn() : undefined))
        .catch((error: unknown) => {
          this.host.reportError(error, `restarting the consumer of group "${this.group}" failed`);
          if (this.client !== undefined) this.scheduleRestart(this.client);
        });
    }, RESTART_DELAY_MS);
    this.restartTimer.unref();
  }

  private enqueue(step: () => Promise<void>): void {
    this.pendingLifecycle++;
    this.lifecycle = this.lifecycle.then(step).finally(() => {
      this.pendingLifecycle--;
      if (this.pendingLifecycle === 0) this.scheduleFetch();
    });
  }

  private async settledLifecycle(): Promise<void> {
    while (this.pendingLifecycle > 0) await this.lifecycle;
  }

  private assign(partitions: number[]): void {
    const sorted = [...partitions].sort((a, b) => a - b);
    this.enqueue(async () => {
      // A rejoin without a rebalance announced first (unknown member id): the old assignment is gone.
      await this.revoke();
      for (const p of sorted) {
        const part = this.part(p);
        part.owned = true;
        part.version++;
      }
      if (this.options.onAssign !== undefined) {
        try {
          await this.options.onAssign(sorted);
        } catch (error) {
          this.host.reportError(error, `onAssign failed for group "${this.group}"`);
        }
      }
      await this.resolvePositions();
    });
  }

  private async revoke(): Promise<void> {
    const owned: number[] = [];
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p]!;
      if (!part.owned) continue;
      // The next owner (maybe this member again) reads from the committed offsets.
      part.owned = false;
      part.buffer.clear();
      part.position = undefined;
      part.skipUntil = undefined;
      part.version++;
      owned.push(p);
    }
    if (owned.length === 0 || this.options.onRevoke === undefined) return;
    try {
      await this.options.onRevoke(owned);
    } catch (error) {
      this.host.reportError(error, `onRevoke failed for group "${this.group}"`);
    }
  }

  /**
   * Committed offsets of the owned partitions without a position, or the start (`start` option)
   * where the group never committed. Retries until it succeeds or the partitions are gone.
   */
  private async resolvePositions(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const client = this.client;
      const wanted = this.parts.flatMap((part, p) => (part.owned && part.position === undefined ? [p] : []));
      if (client === undefined || this.state === 'closed' || wanted.length === 0) return;
      const versions = wanted.map((p) => this.part(p).version);
      try {
        const committed = await client.listCommittedOffsets({
          topics: [{ topic: this.topic, partitions: wanted }],
        });
        const offsets = committed.get(this.topic) ?? [];
        const missing = wanted.filter((p) => (offsets[p] ?? -1n) < 0n);
        const starts =
          missing.length === 0
            ? undefined
            : (
                await client.listOffsets({
                  topics: [this.topic],
                  partitions: { [this.topic]: missing },
                  timestamp:
                    this.options.start === 'latest'
                      ? ListOffsetTimestamps.LATEST
                      : ListOffsetTimestamps.EARLIEST,
                })
              ).get(this.topic);
        wanted.forEach((p, i) => {
          const part = this.part(p);
          if (part.version !== versions[i] || !part.owned) return; // sought or revoked meanwhile
          const known = offsets[p] ?? -1n;
          const offset = known >= 0n ? known : (starts?.[p] ?? 0n);
          part.position = Number(offset);
        });
        return;
      } catch (error) {
        if (this.stopping() || this.client !== client) return;
        // Once per outage: it is tried again until Kafka answers.
        if (attempt === 0)
          this.host.reportError(error, `cannot read the committed offsets of group "${this.group}"`);
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  /** Sends a fetch to every leader broker that has fetchable partitions and no request in flight. */
  private scheduleFetch(): void {
    if (this.fetchScheduled) return;
    this.fetchScheduled = true;
    queueMicrotask(() => {
      this.fetchScheduled = false;
      void this.fetch();
    });
  }

  private async fetch(): Promise<void> {
    const client = this.client;
    if (client === undefined || this.state !== 'running' || this.pendingLifecycle > 0) return;
    const fetchable: number[] = [];
    for (let p = 0; p < this.parts.length; p++) if (this.mayFetch(this.parts[p]!)) fetchable.push(p);
    if (fetchable.length === 0) return;
    let metadata: ClusterMetadata;
    try {
      const forceUpdate = this.staleMetadata;
      this.staleMetadata = false;
      metadata = await client.metadata({ topics: [this.topic], forceUpdate });
    } catch (error) {
      this.retryLater(client, error);
      return;
    }
    if (this.client !== client || this.state !== 'running') return;
    const topicMetadata = metadata.topics.get(this.topic);
    if (topicMetadata === undefined) {
      this.retryLater(client, new Error(`no metadata for topic "${this.topic}"`));
      return;
    }
    const byNode = new Map<number, number[]>();
    let leaderless = false;
    for (const p of fetchable) {
      const part = this.part(p);
      if (!this.mayFetch(part)) continue;
      const node = topicMetadata.partitions[p]?.leader ?? -1;
      if (node < 0) leaderless = true; // a leader election: ask again for fresh metadata
      if (node < 0 || this.fetchingNodes.has(node)) continue;
      const list = byNode.get(node);
      if (list === undefined) byNode.set(node, [p]);
      else list.push(p);
    }
    for (const [node, partitions] of byNode) this.fetchFrom(client, node, topicMetadata.id, partitions);
    if (leaderless) this.retryLater(client, new Error(`a partition of topic "${this.topic}" has no leader`));
  }

  private mayFetch(part: PartitionState): boolean {
    return (
      part.owned &&
      !part.paused &&
      !part.fetching &&
      part.position !== undefined &&
      part.buffer.size < this.prefetch
    );
  }

  private fetchFrom(client: Client, node: number, topicId: string, partitions: number[]): void {
    this.fetchingNodes.add(node);
    const requested = new Map<number, { offset: number; version: number }>();
    const request: FetchRequestTopic = { topicId, partitions: [] };
    for (const p of partitions) {
      const part = this.part(p);
      const offset = part.position!;
      part.fetching = true;
      requested.set(p, { offset, version: part.version });
      request.partitions.push({
        partition: p,
        fetchOffset: BigInt(offset),
        partitionMaxBytes: PARTITION_FETCH_BYTES,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
    }
    client
      .fetch({
        node,
        topics: [request],
        minBytes: 1,
        maxBytes: FETCH_BYTES,
        maxWaitTime: this.host.settings.maxWaitTimeMs ?? 100,
        isolationLevel: READ_COMMITTED,
      })
      .then(
        (response) => {
          this.release(node, requested);
          if (this.client === client) this.received(response, requested);
          this.scheduleFetch();
        },
        (error: unknown) => {
          this.release(node, requested);
          if (this.client !== client || this.state !== 'running') return;
          const response = (error as { response?: FetchResponse }).response;
          if (isOffsetOutOfRange(error) && response !== undefined) {
            this.outOfRange(response, requested);
            this.scheduleFetch();
            return;
          }
          this.retryLater(client, error);
        },
      );
  }

  private release(node: number, requested: Map<number, unknown>): void {
    this.fetchingNodes.delete(node);
    for (const p of requested.keys()) this.part(p).fetching = false;
  }

  /** Fetching failed (Kafka away, a leader moving): try again after a pause. */
  private retryLater(client: Client, error: unknown): void {
    if (this.retryTimer !== undefined || this.state !== 'running' || this.client !== client) return;
    this.staleMetadata = true;
    this.host.options.logger?.debug(
      { err: error, group: this.group, topic: this.topic },
      'fetching failed; trying again',
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.scheduleFetch();
    }, RETRY_DELAY_MS);
    this.retryTimer.unref();
  }

  private received(
    response: FetchResponse,
    requested: Map<number, { offset: number; version: number }>,
  ): void {
    const topic = this.topic;
    for (const topicResponse of response.responses) {
      for (const answer of topicResponse.partitions) {
        const partition = answer.partitionIndex;
        const asked = requested.get(partition);
        // A partition lingering in the broker's fetch session, or moved since: its data is stale.
        if (asked === undefined) continue;
        const part = this.part(partition);
        if (part.version !== asked.version || !part.owned || answer.errorCode !== 0) continue;
        const batches = answer.records;
        if (batches === undefined || batches === null || batches.length === 0) continue;
        const records: StoredRecord[] = [];
        const next = collectRecords(
          topic,
          partition,
          batches,
          Math.max(asked.offset, part.skipUntil ?? 0),
          records,
        );
        part.position = next;
        if (part.skipUntil !== undefined && next > part.skipUntil) part.skipUntil = undefined;
        if (records.length > 0) {
          part.buffer.push(records, 0);
          this.pump(partition);
        }
      }
    }
  }

  /** Positions Kafka no longer (or not yet) has: continue at its oldest record, or at its end. */
  private outOfRange(
    response: FetchResponse,
    requested: Map<number, { offset: number; version: number }>,
  ): void {
    for (const topicResponse of response.responses) {
      for (const answer of topicResponse.partitions) {
        const asked = requested.get(answer.partitionIndex);
        if (asked === undefined || answer.errorCode === 0) continue;
        const part = this.part(answer.partitionIndex);
        if (part.version !== asked.version) continue;
        const start = Number(answer.logStartOffset);
        const end = Number(answer.highWatermark);
        if (start >= 0 && asked.offset < start) part.position = start;
        else if (end >= 0 && asked.offset > end) part.position = end;
        part.version++;
      }
    }
  }

  /** Hands the next chunk of `partition` to `onBatch` when it may go, and fetches when there is room. */
  private pump(partition: number): void {
    const part = this.part(partition);
    if (this.state === 'running' && part.owned && !part.paused && !part.inFlight && part.buffer.size > 0) {
      const records = part.buffer.take(this.maxBatchSize);
      this.deliver(partition, part, { topic: this.topic, partition, records });
    }
    if (this.mayFetch(part)) this.scheduleFetch();
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
        part.position = from;
        part.version++;
      }
      part.inFlight = true; // hold the partition during the pause
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

  private async sendCommits(commits: Commit[]): Promise<void> {
    const client = this.client;
    if (client === undefined) throw logClosed(`the consumer of group "${this.group}"`);
    const ms = this.host.requestTimeoutMs;
    const details = { group: this.group, topic: this.topic };
    try {
      await withDeadline(
        client.commit({
          offsets: commits.map(({ partition, offset }) => ({
            topic: this.topic,
            partition,
            offset: BigInt(offset),
            leaderEpoch: -1,
          })),
        }),
        ms,
        () => timedOut(`committing offsets of group "${this.group}"`, ms, details),
      );
    } catch (error) {
      const message = `committing offsets of group "${this.group}" on topic "${this.topic}" failed`;
      throw toLogError(error, message);
    }
  }

  /** Closing or closed (a method, so that TypeScript does not narrow `state` across awaits). */
  private stopping(): boolean {
    return this.state === 'closing' || this.state === 'closed';
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
    fetching: false,
    buffer: new FetchBuffer<StoredRecord>(),
    position: undefined,
    skipUntil: undefined,
    version: 0,
    seeks: 0,
  };
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
