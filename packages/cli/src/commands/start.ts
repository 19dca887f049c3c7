import {
  type ControlPlane,
  formatProblem,
  startFileControl,
  startKubernetesControl,
} from '@eventyard/control';
import type { Contract } from '@eventyard/core';
import { createDispatcher, type Dispatcher } from '@eventyard/dispatcher';
import { createIngress, registerOpsRoutes } from '@eventyard/ingress';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseStartConfig, type StartConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openLog } from '../open-log.ts';
import { registerOperatorApi } from '../operator-api.ts';
import { releaseYoungGeneration } from '../young-generation.ts';

/** Under Kubernetes' default terminationGracePeriodSeconds (30 s). */
const SHUTDOWN_TIMEOUT_MS = 25_000;

/** A running broker process: what `eventyard start` wires together. */
export interface RunningBroker {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = parseStartConfig(argv, env);
  const logger = createLogger(config.logLevel, config.logFormat);
  const broker = await startBroker(config, logger);
  // Started: from here on the workload, not loading, sizes V8's young generation.
  releaseYoungGeneration();
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: no new requests, finishing appends');
      // Bounded like Kubernetes' termination grace period: a shutdown that hangs (a log that does
      // not answer) ends the process anyway; what was not committed is read again after a restart.
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown did not finish in time; exiting');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      deadline.unref();
      broker.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  logger.info('stopped');
  return 0;
}

/** A part of the process that follows the Contract: the ingress routes brokers, the dispatcher reads them. */
interface ContractFollower {
  readonly name: string;
  /** Listening waits until this follower applied the first Contract. */
  readonly gatesListening: boolean;
  applyContract(contract: Contract): Promise<void>;
}

/**
 * Wires one process: the log, the resources (watched), the ingress and/or the dispatcher (by
 * role) and the ops routes, then listens. Shutdown runs in reverse: stop accepting and finish
 * in-flight requests (so every 202 was persisted), stop the dispatcher (commits what is finished),
 * then close the control plane and the log.
 */
export async function startBroker(config: StartConfig, logger: Logger): Promise<RunningBroker> {
  const log = await openLog(config, logger);
  let control: ControlPlane | undefined;
  let app: FastifyInstance | undefined;
  let dispatcher: Dispatcher | undefined;
  try {
    control = await startControl(config, logger);
    for (const problem of control.problems())
      logger.warn({ problem: formatProblem(problem) }, 'resource problem');
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const followers: ContractFollower[] = [];
    if (config.role !== 'dispatcher') {
      const ingress = createIngress({
        log,
        registry,
        maxBodyBytes: config.maxBodyBytes,
        metricEventTypes: config.metricEventTypes,
        requestTimeoutMs: config.requestTimeoutMs,
        logger,
      });
      followers.push({
        name: 'ingress',
        gatesListening: true,
        applyContract: (c) => ingress.applyContract(c),
      });
      app = ingress.app;
    } else {
      app = Fastify({
        loggerInstance: logger as FastifyBaseLogger,
        logController: new LogController({ disableRequestLogging: true }),
      });
      registerOpsRoutes(app, { registry, readinessChecks: { log: () => log.writable() } });
    }
    if (config.role !== 'ingress') {
      const created = createDispatcher({ log, registry, logger: logger.child({ component: 'dispatcher' }) });
      dispatcher = created;
      followers.push({
        name: 'dispatcher',
        gatesListening: false,
        applyContract: (c) => created.applyContract(c),
      });
    }
    const plane = control;
    registerOperatorApi(app, { contract: () => plane.current(), log });
    await followContract(control, followers, logger);
    await listen(app, config);
  } catch (error) {
    await app?.close().catch(() => {});
    await dispatcher?.stop().catch(() => {});
    await control?.close().catch(() => {});
    await log.close().catch(() => {});
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ url, port, role: config.role, log: log.kind }, 'listening');
  const running = { app, control, log, dispatcher };
  return {
    url,
    port,
    async stop() {
      await running.app.close();
      await running.dispatcher?.stop();
      await running.control.close();
      await running.log.close();
    },
  };
}

/** Resources from the Kubernetes API (CRDs, status written back), or from files (watched). */
function startControl(config: StartConfig, logger: Logger): Promise<ControlPlane> {
  const topicTemplate = config.topicTemplate ? { topicTemplate: config.topicTemplate } : {};
  if (config.kubernetes) {
    return startKubernetesControl({
      ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
      ...(config.namespaces.length > 0 ? { namespaces: config.namespaces } : {}),
      ...(config.ingressUrl ? { ingressUrl: config.ingressUrl } : {}),
      ...(config.knativeBrokerClass ? { knativeBrokerClass: config.knativeBrokerClass } : {}),
      ...topicTemplate,
      logger: childConsole(logger, 'control'),
    });
  }
  return startFileControl({
    paths: config.configPaths,
    watch: true,
    ...topicTemplate,
    logger: childConsole(logger, 'control'),
  });
}

/**
 * Applies the current Contract, then every new generation, to each follower in generation order;
 * each follower keeps its own order, so a slow one never holds another back. Resolves once the
 * followers that gate listening (the ingress) applied the current Contract: the dispatcher may
 * wait seconds to join its consumer groups after a crash, and the ingress serves in the meantime
 * (events appended then wait in the log). A follower that fails to apply one generation keeps
 * running on what it had (and logs why); the next generation is tried afresh.
 */
async function followContract(
  control: ControlPlane,
  followers: ContractFollower[],
  logger: Logger,
): Promise<void> {
  const apply = async (follower: ContractFollower, contract: Contract) => {
    try {
      await follower.applyContract(contract);
      logger.info(
        {
          generation: contract.generation,
          component: follower.name,
          brokers: contract.brokers.size,
          triggers: contract.triggers.size,
        },
        'contract applied',
      );
    } catch (error) {
      logger.error(
        { err: error, generation: contract.generation, component: follower.name },
        'contract not applied',
      );
    }
  };
  const first = control.current();
  const chains = followers.map((follower) => apply(follower, first));
  control.subscribe((contract: Contract) => {
    for (let i = 0; i < followers.length; i++) {
      chains[i] = chains[i]!.then(() => apply(followers[i]!, contract));
    }
  });
  await Promise.all(chains.filter((_, i) => followers[i]!.gatesListening));
}

async function listen(app: FastifyInstance, config: StartConfig): Promise<void> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `port ${config.port} is already in use on ${config.host}: stop the other process or pass --port`,
        {
          cause: error,
        },
      );
    }
    if (code === 'EACCES') {
      throw new Error(
        `not allowed to listen on port ${config.port}: use a port above 1023 or run with privileges`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** The control plane logs through a console-like interface; route it into pino with a component name. */
function childConsole(logger: Logger, component: string): Pick<Console, 'info' | 'warn' | 'error'> {
  const child = logger.child({ component });
  return {
    info: (...args: unknown[]) => child.info(args.map(String).join(' ')),
    warn: (...args: unknown[]) => child.warn(args.map(String).join(' ')),
    error: (...args: unknown[]) => child.error(args.map(String).join(' ')),
  };
}

export type { StartConfig };
