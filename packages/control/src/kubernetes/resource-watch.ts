import {
  ADD,
  CONNECT,
  type CustomObjectsApi,
  DELETE,
  ERROR,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  UPDATE,
} from '@kubernetes/client-node';
import type { ControlLogger } from '../types.ts';
import { describeError } from './api-errors.ts';
import { describeType, resourcePath } from './resource-types.ts';
import type { KubeObject, ResourceType } from './types.ts';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** One kind in one namespace (or all), listed then watched, reconnecting after every failure. */
export interface ResourceWatch {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  /** True once a list has succeeded: from then on `objects()` is complete (as of the last event). */
  synced(): boolean;
  objects(): readonly KubeObject[];
  /** The last failure, until the next successful list or event. */
  lastError(): unknown;
  start(): void;
  close(): Promise<void>;
}

export interface ResourceWatchOptions {
  config: KubeConfig;
  api: CustomObjectsApi;
  type: ResourceType;
  namespace: string | undefined;
  /** Called for every added, changed or deleted object. */
  onChange: () => void;
  logger: ControlLogger;
}

/**
 * client-node's informer (list, then watch from the list's resourceVersion; a watch that ends is
 * resumed from the last resourceVersion seen, and a 410 Gone relists) stops for good on any other
 * error. This restarts it with capped exponential backoff; a restart resumes the watch from the
 * last resourceVersion, so changes made while disconnected arrive as events, and the relist a 410
 * forces reports objects deleted meanwhile as deletions.
 */
export function createResourceWatch(options: ResourceWatchOptions): ResourceWatch {
  const { config, api, type, namespace, onChange, logger } = options;
  const { group, version, plural } = type;
  const where = `${describeType(type)}${namespace === undefined ? '' : ` in namespace ${namespace}`}`;
  let listed = false;
  let closed = false;
  let failure: unknown;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let starting: Promise<void> | undefined;

  const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const result = (await (namespace === undefined
      ? api.listClusterCustomObject({ group, version, plural })
      : api.listNamespacedCustomObject({
          group,
          version,
          namespace,
          plural,
        }))) as KubernetesListObject<KubernetesObject>;
    recovered();
    listed = true;
    return result;
  };
  const informer = makeInformer(config, resourcePath(type, namespace), list);

  const recovered = (): void => {
    if (failures > 0) logger.info(`eventyard control: watching ${where} again`);
    failures = 0;
    failure = undefined;
  };
  const changed = (): void => {
    recovered();
    onChange();
  };
  informer.on(ADD, changed);
  informer.on(UPDATE, changed);
  informer.on(DELETE, changed);
  informer.on(CONNECT, () => {});
  informer.on(ERROR, (error) => {
    if (closed) return;
    failure = error;
    failures++;
    // The first failure of a streak is worth a line; the rest repeat it.
    if (failures === 1)
      logger.warn(`eventyard control: watching ${where} failed: ${describeError(error)}; retrying`);
    if (retry !== undefined) return;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 10));
    retry = setTimeout(() => {
      retry = undefined;
      if (!closed) start();
    }, delay);
  });

  const start = (): void => {
    starting = informer.start().catch((error: unknown) => {
      // start() reports list and watch failures through ERROR; anything else is unexpected.
      logger.error(`eventyard control: watching ${where} failed to start`, error);
    });
  };

  return {
    type,
    namespace,
    synced: () => listed,
    objects: () => informer.list() as readonly KubeObject[],
    lastError: () => failure,
    start,
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      await informer.stop();
      // A start in progress opens its watch after its list even when stopped meanwhile: let it, then
      // stop again (bounded, as a hung server would hold the watch request until its timeout).
      if (starting !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([starting, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
        clearTimeout(timer);
        await informer.stop();
      }
    },
  };
}
