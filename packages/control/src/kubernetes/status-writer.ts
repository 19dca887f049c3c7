import { type CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ControlLogger } from '../types.ts';
import { describeError, statusCode } from './api-errors.ts';
import { type DesiredStatus, statusPatch } from './status.ts';
import type { KubeObject, ResourceType } from './types.ts';

/** The status one object should have, next to the object as last seen. */
export interface StatusItem {
  type: ResourceType;
  object: KubeObject;
  desired: DesiredStatus;
}

export interface StatusWriter {
  /**
   * Brings every given object's status in line, writing only what differs. With `force`, also
   * rewrites what this writer believes it already wrote (a periodic resync).
   */
  sync(items: Iterable<StatusItem>, force?: boolean): void;
  /** Waits for writes in progress and stops. */
  close(): Promise<void>;
}

const CONCURRENCY = 4;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
const FIELD_MANAGER = 'eventyard';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function idOf(item: StatusItem): string {
  const { type, object } = item;
  return `${type.group}/${type.plural}/${object.metadata?.namespace}/${object.metadata?.name}`;
}

/**
 * Writes status through the status subresource with JSON merge patches (no resourceVersion: one
 * writer, and a stale conclusion is corrected by the next sync, which the resulting watch event
 * triggers). At most a few writes run at once; a failed write is retried with backoff by asking for
 * another sync. `requestSync` is how the writer asks for one.
 */
export function createStatusWriter(options: {
  api: CustomObjectsApi;
  logger: ControlLogger;
  requestSync: () => void;
  now?: () => Date;
}): StatusWriter {
  const { api, logger, requestSync } = options;
  const now = options.now ?? (() => new Date());
  const queue = new Map<string, { item: StatusItem; patch: Record<string, unknown> }>();
  /** What was written last per object, until the watch shows it: not written again meanwhile. */
  const written = new Map<string, string>();
  /** Objects being written, with what is being written. */
  const inFlight = new Map<string, string>();
  const running = new Set<Promise<void>>();
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const write = async (id: string, item: StatusItem, patch: Record<string, unknown>): Promise<void> => {
    const { group, version, plural } = item.type;
    const namespace = item.object.metadata?.namespace ?? '';
    const name = item.object.metadata?.name ?? '';
    const key = JSON.stringify(item.desired);
    try {
      await api.patchNamespacedCustomObjectStatus(
        { group, version, plural, namespace, name, body: { status: patch }, fieldManager: FIELD_MANAGER },
        MERGE_PATCH,
      );
      written.set(id, key);
      failures = 0;
    } catch (error) {
      // Deleted meanwhile: nothing to report on.
      if (statusCode(error) === 404) return;
      failures++;
      if (failures === 1 || failures % 20 === 0) {
        logger.warn(
          `eventyard control: writing the status of ${item.type.plural} ${namespace}/${name} failed: ${describeError(error)}; retrying`,
        );
      }
      if (retry === undefined && !closed) {
        const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 10));
        retry = setTimeout(() => {
          retry = undefined;
          requestSync();
        }, delay);
      }
    }
  };

  const pump = (): void => {
    for (const [id, { item, patch }] of queue) {
      if (running.size >= CONCURRENCY || closed) return;
      if (inFlight.has(id)) continue;
      queue.delete(id);
      inFlight.set(id, JSON.stringify(item.desired));
      const job = write(id, item, patch).finally(() => {
        inFlight.delete(id);
        running.delete(job);
        pump();
      });
      running.add(job);
    }
  };

  return {
    sync(items, force = false) {
      if (closed) return;
      const at = now();
      const seen = new Set<string>();
      for (const item of items) {
        const id = idOf(item);
        seen.add(id);
        const patch = statusPatch(item.type.kind, item.desired, item.object.status, at);
        if (patch === undefined) {
          written.delete(id);
          queue.delete(id);
          continue;
        }
        const key = JSON.stringify(item.desired);
        // Being written, or written already and the watch has not caught up yet.
        if (inFlight.get(id) === key || (!force && written.get(id) === key)) {
          queue.delete(id);
          continue;
        }
        queue.set(id, { item, patch });
      }
      for (const id of queue.keys()) if (!seen.has(id)) queue.delete(id);
      for (const id of written.keys()) if (!seen.has(id)) written.delete(id);
      pump();
    },
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      queue.clear();
      await Promise.allSettled([...running]);
    },
  };
}
