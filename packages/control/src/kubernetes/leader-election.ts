import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { ControlLogger } from '../types.ts';
import { describeError, statusCode } from './api-errors.ts';

export interface LeaderElection {
  isLeader(): boolean;
  /** False when the API server serves no Leases and every replica acts as the leader. */
  readonly elected: boolean;
  /** Stops campaigning; a leader gives the Lease up so another replica takes over at once. */
  close(): Promise<void>;
}

export interface LeaderElectionOptions {
  config: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  durationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: ControlLogger;
  onChange: (leader: boolean) => void;
}

/** Whether the API server serves coordination.k8s.io/v1 Leases (a bare apiextensions-apiserver does not). */
async function leasesServed(api: CoordinationV1Api, logger: ControlLogger): Promise<boolean> {
  try {
    const list = await api.getAPIResources();
    return list.resources.some((resource) => resource.name === 'leases');
  } catch (error) {
    if (statusCode(error) === 404) return false;
    // Unknown (the server may be restarting): assume the usual and let the campaign retry.
    logger.warn(`eventyard control: cannot tell whether Leases are served: ${describeError(error)}`);
    return true;
  }
}

function micro(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

/**
 * Lease-based leader election, as client-go's leaderelection package does it: the holder renews
 * `spec.renewTime` every retry period; another replica takes the Lease over (optimistic concurrency
 * on resourceVersion) once it has seen no renewal for `leaseDurationSeconds` by its own clock (so
 * clocks need not agree); a leader that cannot renew within the renew deadline steps down before
 * anyone may take over. When the API server serves no Leases, there is nothing to elect with:
 * every replica acts as the leader and says so once.
 */
export async function startLeaderElection(options: LeaderElectionOptions): Promise<LeaderElection> {
  const { config, namespace, name, identity, logger, onChange } = options;
  const api = config.makeApiClient(CoordinationV1Api);
  const leaseSeconds = Math.max(1, Math.ceil(options.durationMs / 1000));
  let leader = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let lastRenewal = 0;
  let observedRecord = '';
  let observedAt = 0;
  let failing = false;

  const setLeader = (value: boolean): void => {
    if (leader === value) return;
    leader = value;
    logger.info(
      value
        ? `eventyard control: ${identity} is the leader (Lease ${namespace}/${name}): writing status`
        : `eventyard control: ${identity} is no longer the leader (Lease ${namespace}/${name})`,
    );
    onChange(value);
  };

  if (!(await leasesServed(api, logger))) {
    logger.warn(
      'eventyard control: the API server serves no coordination.k8s.io/v1 Leases, so there is no leader election: this replica writes status, as every replica will (run one, or give the API server Leases)',
    );
    leader = true;
    onChange(true);
    return { isLeader: () => leader, elected: false, close: async () => {} };
  }

  const spec = (now: number, previous: V1Lease | undefined) => {
    const held = previous?.spec?.holderIdentity === identity;
    return {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: held && previous?.spec?.acquireTime !== undefined ? previous.spec.acquireTime : micro(now),
      renewTime: micro(now),
      leaseTransitions: held
        ? (previous?.spec?.leaseTransitions ?? 0)
        : (previous?.spec?.leaseTransitions ?? -1) + 1,
    };
  };

  const tryAcquireOrRenew = async (): Promise<void> => {
    const now = Date.now();
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
    if (lease === undefined) {
      await api.createNamespacedLease({
        namespace,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: spec(now, undefined),
        },
      });
      lastRenewal = now;
      setLeader(true);
      return;
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const record = `${holder}|${String(lease.spec?.renewTime)}|${lease.spec?.leaseDurationSeconds}`;
    if (record !== observedRecord) {
      observedRecord = record;
      observedAt = now;
    }
    const heldFor = (lease.spec?.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (holder !== '' && holder !== identity && now < observedAt + heldFor) {
      setLeader(false);
      return;
    }
    // Acquire an expired or released Lease, or renew ours; the resourceVersion makes a race a 409.
    await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: spec(now, lease) } });
    lastRenewal = now;
    setLeader(true);
  };

  const campaign = async (): Promise<void> => {
    try {
      await tryAcquireOrRenew();
      if (failing) logger.info('eventyard control: leader election works again');
      failing = false;
    } catch (error) {
      if (statusCode(error) === 409) {
        // Someone else renewed or took the Lease in between: follow them.
        if (!leader || Date.now() - lastRenewal > options.renewDeadlineMs) setLeader(false);
      } else {
        if (!failing)
          logger.warn(`eventyard control: leader election failed: ${describeError(error)}; retrying`);
        failing = true;
      }
    }
    if (leader && Date.now() - lastRenewal > options.renewDeadlineMs) setLeader(false);
  };

  const schedule = (delayMs: number): void => {
    if (closed) return;
    timer = setTimeout(() => {
      round = campaign().finally(() => schedule(options.retryPeriodMs));
    }, delayMs);
  };

  round = campaign();
  await round;
  schedule(options.retryPeriodMs);

  return {
    isLeader: () => leader,
    elected: true,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await round;
      if (!leader) return;
      // Give the Lease up (client-go's ReleaseOnCancel): an empty holder may be taken at once.
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity === identity) {
          const now = Date.now();
          await api.replaceNamespacedLease({
            name,
            namespace,
            body: {
              ...lease,
              spec: {
                ...lease.spec,
                holderIdentity: '',
                leaseDurationSeconds: 1,
                renewTime: micro(now),
                acquireTime: micro(now),
              },
            },
          });
        }
      } catch (error) {
        logger.warn(`eventyard control: could not give up the Lease: ${describeError(error)}`);
      }
      leader = false;
    },
  };
}
