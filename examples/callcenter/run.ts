#!/usr/bin/env node
/**
 * The call-center scenario in one command: `npm run example:callcenter` (see README.md).
 *
 * Starts the subscriber services, the broker (`eventyard start`, on the embedded log, or on Kafka
 * when KAFKA_BROKERS is set), the webhook and ping sources (`eventyard source ...`), then the
 * speech-to-text service and the CRM simulator; after --duration seconds it stops the producers,
 * lets the broker drain, prints what an operator sees (`eventyard triggers`, `eventyard dlq list`,
 * /metrics) and a summary, stops everything, and exits 0 only if every event went where the
 * manifests say.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCrmSimulator } from './producers/crm-simulator.ts';
import { startSpeechToText } from './producers/speech-to-text.ts';
import { type DisplayStats, startEventDisplay } from './services/event-display.ts';
import { type AnalyticsStats, startFlakyAnalytics } from './services/flaky-analytics.ts';
import { type ApprovalStats, startLoanApproval } from './services/loan-approval.ts';
import { startRiskControl } from './services/risk-control.ts';
import type { Log } from './services/service.ts';

const HERE = import.meta.dirname;
const ROOT = resolve(HERE, '../..');
const CLI = join(ROOT, 'packages/cli/src/main.ts');
const CRM_SECRET = 'callcenter-demo-secret';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    rate: { type: 'string', default: '2' },
    'port-offset': { type: 'string', default: '0' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`Usage: npm run example:callcenter -- [--duration 20] [--rate 2] [--port-offset 0] [--keep-data]

  --duration S     seconds of traffic before the operator view (0: until Ctrl-C)
  --rate N         transcribed calls per second
  --port-offset N  add N to every port (broker 8080, webhook source 8090, ping source 8091,
                   services 9100-9103), e.g. when those are taken
  --keep-data      keep the work folder (manifests, embedded log, process logs)

Set KAFKA_BROKERS=host:port to run the broker on Kafka instead of the embedded log.`);
  process.exit(0);
}
const duration = Number(flags.duration);
const rate = Number(flags.rate);
const offset = Number(flags['port-offset']);
const port = (base: number) => base + offset;

// ---------------------------------------------------------------- output

const COLORS: Record<string, string> = {
  'speech-to-text': '36',
  'crm-simulator': '35',
  'risk-control': '33',
  'loan-approval': '32',
  'event-display': '34',
  'flaky-analytics': '31',
  scenario: '1',
};
const tty = process.stdout.isTTY;
function logger(name: string): Log {
  const label = name.padEnd(15);
  const colored = tty ? `\x1b[${COLORS[name] ?? '0'}m${label}\x1b[0m` : label;
  return (line) => console.log(`${colored} | ${line}`);
}
const say = logger('scenario');

// ---------------------------------------------------------------- processes

const children: ChildProcess[] = [];
const servers: Server[] = [];

/** Runs `eventyard ...` in the background, its output in a log file of the work folder. */
function eventyard(args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only the runner, which still asks the broker for the
    // operator view before it stops everything in order.
    detached: true,
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  children.push(child);
  return child;
}

/** Waits until `url` answers 200, or fails with the end of the process's log. */
async function ready(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`${url} did not become ready\n${log.split('\n').slice(-15).join('\n')}`);
}

/** Runs an operator command to completion and returns what it printed. */
function operator(args: string[]): Promise<string> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', () => done(output.trimEnd()));
  });
}

async function stopAll(): Promise<void> {
  // Sources first (no new events), then the broker (finishes deliveries), then the services.
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** The manifests, with every localhost port moved by --port-offset. */
async function writeManifests(into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  for (const file of await readdir(join(HERE, 'manifests'))) {
    const text = await readFile(join(HERE, 'manifests', file), 'utf8');
    await writeFile(
      join(into, file),
      text.replace(/localhost:(\d+)/g, (_, p: string) => `localhost:${Number(p) + offset}`),
    );
  }
}

// ---------------------------------------------------------------- the scenario

const work = await mkdtemp(join(tmpdir(), 'eventyard-callcenter-'));
const manifests = join(work, 'manifests');
await writeManifests(manifests);
const brokerUrl = `http://localhost:${port(8080)}`;
const kafka = process.env.KAFKA_BROKERS;

let interrupted = false;
const interruption = new Promise<void>((resolveInterrupt) => {
  process.once('SIGINT', () => {
    interrupted = true;
    resolveInterrupt();
  });
  process.once('SIGTERM', () => {
    interrupted = true;
    resolveInterrupt();
  });
});

let exitCode = 1;
try {
  const display: DisplayStats = { events: 0, deadLetters: 0, byType: new Map() };
  const assessed = { count: 0 };
  const approvals: ApprovalStats = { approved: 0, referred: 0 };
  const analytics: AnalyticsStats = { stored: 0, failed: 0 };
  servers.push(
    await startEventDisplay(port(9100), logger('event-display'), display),
    await startRiskControl(port(9101), logger('risk-control'), assessed),
    await startLoanApproval(port(9102), logger('loan-approval'), approvals),
    await startFlakyAnalytics(port(9103), logger('flaky-analytics'), analytics),
  );

  say(`broker on ${kafka ? `Kafka at ${kafka}` : 'the embedded log'}; work folder ${work}`);
  const brokerLog = join(work, 'broker.log');
  const broker = eventyard(
    [
      'start',
      '--config',
      manifests,
      '--port',
      String(port(8080)),
      '--host',
      '127.0.0.1',
      '--data-dir',
      join(work, 'data'),
    ],
    brokerLog,
  );
  await ready(`${brokerUrl}/readyz`, broker, brokerLog);
  const webhookLog = join(work, 'webhook-source.log');
  const webhook = eventyard(
    ['source', 'webhook', '--config', manifests, '--port', String(port(8090)), '--host', '127.0.0.1'],
    webhookLog,
    { CRM_WEBHOOK_SECRET: CRM_SECRET },
  );
  await ready(`http://localhost:${port(8090)}/readyz`, webhook, webhookLog);
  const pingLog = join(work, 'ping-source.log');
  const ping = eventyard(
    ['source', 'ping', '--config', manifests, '--port', String(port(8091)), '--host', '127.0.0.1'],
    pingLog,
  );
  await ready(`http://localhost:${port(8091)}/readyz`, ping, pingLog);
  // Dead letters of this run only: a Kafka cluster keeps those of earlier runs.
  const allDeadLetters = async () =>
    (
      (await (
        await fetch(`${brokerUrl}/-/api/v1/namespaces/callcenter/brokers/default/deadletters?limit=10000`)
      ).json()) as { deadLetters: unknown[] }
    ).deadLetters.length;
  const dlqBefore = await allDeadLetters();
  const deadLetters = async () => (await allDeadLetters()) - dlqBefore;
  say('broker, webhook source and ping source are up; traffic starts');

  const speech = startSpeechToText(`${brokerUrl}/callcenter/default`, rate, logger('speech-to-text'));
  const crm = startCrmSimulator(
    `http://localhost:${port(8090)}/webhooks/crm`,
    CRM_SECRET,
    1500,
    logger('crm-simulator'),
  );
  await (duration > 0
    ? Promise.race([interruption, new Promise((r) => setTimeout(r, duration * 1000))])
    : interruption);
  await speech.stop();
  await crm.stop();

  // Let the broker finish: every loan call assessed and decided, every failure dead-lettered.
  const expectedCallDeadLetters = Array.from({ length: speech.stats.emitted }, (_, i) => i + 1).filter(
    (n) => n % 5 === 0,
  ).length;
  say('producers stopped; waiting for the broker to drain');
  const drainDeadline = Date.now() + 30_000;
  let dlq = 0;
  while (Date.now() < drainDeadline && !interrupted) {
    dlq = await deadLetters();
    if (
      assessed.count >= speech.stats.loanCandidates &&
      approvals.approved + approvals.referred >= assessed.count &&
      display.deadLetters >= expectedCallDeadLetters &&
      dlq >= crm.stats.platinum
    ) {
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 500));
  dlq = await deadLetters();

  // What the operator sees.
  const url = brokerUrl;
  console.log(`\n$ eventyard triggers --url ${url}\n${await operator(['triggers', '--url', url])}`);
  const dlqList = await operator(['dlq', 'list', '--broker', 'callcenter/default', '--url', url]);
  const dlqLines = dlqList.split('\n');
  console.log(
    `\n$ eventyard dlq list --broker callcenter/default --url ${url}\n${dlqLines.slice(0, 8).join('\n')}${
      dlqLines.length > 8 ? `\n... (${dlqLines.length - 8} more)` : ''
    }`,
  );
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const shown = metrics
    .split('\n')
    .filter(
      (line) =>
        /^eventyard_(dispatch_(events|retries|dead_letters|replies)_total|ingress_events_total)\{/.test(
          line,
        ) && line.includes('callcenter'),
    );
  console.log(`\n$ curl -s ${url}/metrics | grep -E 'eventyard_(dispatch|ingress)_'\n${shown.join('\n')}`);
  const sourceMetrics = (await (await fetch(`http://localhost:${port(8090)}/metrics`)).text())
    .split('\n')
    .filter((line) => line.startsWith('eventyard_source_events_total{'));
  console.log(
    `\n$ curl -s http://localhost:${port(8090)}/metrics | grep eventyard_source_events_total\n${sourceMetrics.join('\n')}`,
  );

  const summary = {
    log: kafka ? 'kafka' : 'embedded',
    transcribed: speech.stats.emitted,
    refusedByBroker: speech.stats.rejected,
    loanCandidates: speech.stats.loanCandidates,
    riskAssessed: assessed.count,
    approved: approvals.approved,
    referred: approvals.referred,
    displayed: display.events,
    displayedByType: Object.fromEntries(display.byType),
    crmWebhooks: crm.stats.sent,
    crmAccepted: crm.stats.accepted,
    crmDuplicates: crm.stats.duplicates,
    crmFailed: crm.stats.failed,
    analyticsStored: analytics.stored,
    analyticsFailures: analytics.failed,
    deadLettersAtSink: display.deadLetters,
    expectedDeadLettersAtSink: expectedCallDeadLetters,
    deadLettersInTopic: dlq,
    expectedDeadLettersInTopic: crm.stats.platinum,
  };
  console.log(`\nSUMMARY ${JSON.stringify(summary)}`);
  const problems: string[] = [];
  if (summary.transcribed === 0) problems.push('no call was transcribed');
  if (summary.refusedByBroker > 0)
    problems.push(`${summary.refusedByBroker} events were refused by the broker`);
  if (summary.riskAssessed !== summary.loanCandidates)
    problems.push(`${summary.loanCandidates} loan calls but ${summary.riskAssessed} risk assessments`);
  if (summary.approved + summary.referred !== summary.riskAssessed)
    problems.push(`${summary.riskAssessed} assessments but ${summary.approved + summary.referred} decisions`);
  if (summary.crmFailed > 0) problems.push(`${summary.crmFailed} CRM webhooks failed`);
  if (summary.deadLettersAtSink !== summary.expectedDeadLettersAtSink)
    problems.push(
      `${summary.expectedDeadLettersAtSink} calls should be dead letters, the sink got ${summary.deadLettersAtSink}`,
    );
  if (summary.deadLettersInTopic !== summary.expectedDeadLettersInTopic)
    problems.push(
      `${summary.expectedDeadLettersInTopic} customers should be in the dead-letter topic, found ${summary.deadLettersInTopic}`,
    );
  if (problems.length > 0) say(`NOT OK: ${problems.join('; ')}`);
  else say('OK: every event went where the manifests say');
  exitCode = problems.length === 0 || (interrupted && duration === 0) ? 0 : 1;
} catch (error) {
  say(`failed: ${(error as Error).message}`);
} finally {
  await stopAll();
  if (flags['keep-data']) say(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);
