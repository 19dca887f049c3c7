/** What kafkajs' admin and internal cluster have in common: a connection opened and closed. */
interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * One kafkajs connection, opened on first use and shared by the calls made meanwhile. A failed
 * connect, or a caller that saw connection trouble (`discard`), drops it, so the next call
 * reconnects instead of reusing a broken client.
 */
export class LazyConnection<T extends Connectable> {
  readonly #create: () => T;
  #entry: { client: T; ready: Promise<T> } | undefined;

  constructor(create: () => T) {
    this.#create = create;
  }

  get(): Promise<T> {
    if (this.#entry === undefined) {
      const client = this.#create();
      const ready = client.connect().then(
        () => client,
        (error: unknown) => {
          this.discard(client);
          throw error;
        },
      );
      ready.catch(() => {});
      this.#entry = { client, ready };
    }
    return this.#entry.ready;
  }

  /** Drops `client` if it is still the current one; the next `get` connects anew. */
  discard(client: T): void {
    if (this.#entry?.client !== client) return;
    this.#entry = undefined;
    client.disconnect().catch(() => {});
  }

  /** Drops whatever client there is. */
  reset(): void {
    if (this.#entry !== undefined) this.discard(this.#entry.client);
  }

  async close(): Promise<void> {
    const entry = this.#entry;
    this.#entry = undefined;
    await entry?.client.disconnect().catch(() => {});
  }
}
