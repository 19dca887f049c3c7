/**
 * A consumer's commits, gathered: commits made while one commit request is in flight leave together
 * in the next request (the latest offset per partition), so a caller committing after every batch
 * costs one request per round trip, not one per call.
 */
export interface Commit {
  partition: number;
  offset: number;
}

export class CommitQueue {
  private readonly send: (commits: Commit[]) => Promise<void>;
  private readonly wanted = new Map<number, number>();
  private queued: Promise<void> | undefined;
  private running: Promise<void> | undefined;

  constructor(send: (commits: Commit[]) => Promise<void>) {
    this.send = send;
  }

  /** Resolves once a request carrying this commit (or a later one of the partition) succeeded. */
  commit(partition: number, offset: number): Promise<void> {
    this.wanted.set(partition, offset);
    this.queued ??= (this.running ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        const commits: Commit[] = [];
        for (const [p, o] of this.wanted) commits.push({ partition: p, offset: o });
        this.wanted.clear();
        const running = this.send(commits);
        this.running = running;
        return running.finally(() => {
          if (this.running === running) this.running = undefined;
        });
      });
    return this.queued;
  }

  /** Settles once every commit asked for so far was answered (never rejects). */
  async settled(): Promise<void> {
    await this.queued?.catch(() => {});
    await this.running?.catch(() => {});
  }
}
