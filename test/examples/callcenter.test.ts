import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { kafkaBrokers } from '../kafka/brokers.ts';
import { ROOT } from '../support/eventyard.ts';

const RUNNER = join(ROOT, 'examples/callcenter/run.ts');
/** Every port the scenario listens on, before --port-offset. */
const PORTS = [8080, 8090, 8091, 9100, 9101, 9102, 9103];

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** An offset that moves every port of the scenario onto a free one. */
async function freeOffset(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const offset = randomInt(1, 200) * 100;
    if ((await Promise.all(PORTS.map((p) => free(p + offset)))).every(Boolean)) return offset;
  }
  throw new Error('no free range of ports for the call-center scenario');
}

interface Summary {
  log: string;
  transcribed: number;
  loanCandidates: number;
  riskAssessed: number;
  approved: number;
  referred: number;
  displayedByType: Record<string, number>;
  crmAccepted: number;
  crmDuplicates: number;
  deadLettersAtSink: number;
  expectedDeadLettersAtSink: number;
  deadLettersInTopic: number;
  expectedDeadLettersInTopic: number;
}

/** Runs the scenario as its README does and returns what it printed. */
async function runScenario(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string; summary: Summary }> {
  const offset = await freeOffset();
  const child = spawn(
    process.execPath,
    [RUNNER, '--duration', '8', '--rate', '3', '--port-offset', String(offset)],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const line = output.split('\n').find((l) => l.startsWith('SUMMARY '));
  assert.ok(line, `no summary; output:\n${output}`);
  return { code, output, summary: JSON.parse(line.slice('SUMMARY '.length)) as Summary };
}

function assertScenario(
  { code, output, summary }: Awaited<ReturnType<typeof runScenario>>,
  log: string,
): void {
  assert.equal(code, 0, output);
  assert.equal(summary.log, log);
  assert.ok(summary.transcribed >= 15, `transcribed ${summary.transcribed}`);
  // Loan calls the CEL filter let through were assessed, and each reply was routed to approval.
  assert.ok(summary.loanCandidates > 0);
  assert.equal(summary.riskAssessed, summary.loanCandidates);
  assert.equal(summary.approved + summary.referred, summary.riskAssessed);
  assert.equal(summary.displayedByType['com.example.risk.assessed'], summary.riskAssessed);
  assert.equal(summary.displayedByType['com.example.speech.transcribed'], summary.transcribed);
  // CRM webhooks became events; the resent one was recognised.
  assert.equal(summary.displayedByType['com.example.crm.customer.updated'], summary.crmAccepted);
  assert.ok(summary.crmDuplicates >= 1);
  // The failing subscriber's events reached the dead-letter sink, or the broker's dead-letter topic.
  assert.ok(summary.deadLettersAtSink > 0);
  assert.equal(summary.deadLettersAtSink, summary.expectedDeadLettersAtSink);
  assert.ok(summary.deadLettersInTopic > 0);
  assert.equal(summary.deadLettersInTopic, summary.expectedDeadLettersInTopic);
  // What the README says the operator sees.
  assert.match(output, /\$ eventyard triggers --url .*\nNAMESPACE +NAME +BROKER +READY/);
  assert.match(output, /callcenter +loan-risk +default +True/);
  assert.match(output, /\$ eventyard dlq list --broker callcenter\/default .*\nTIME +ID +TYPE +TRIGGER/);
  assert.match(output, /callcenter\/customer-analytics +2 +500 +no dead-letter sink is configured/);
  assert.match(
    output,
    /eventyard_dispatch_dead_letters_total\{namespace="callcenter",broker="default",trigger="call-analytics",destination="sink"\}/,
  );
  assert.match(
    output,
    /eventyard_dispatch_replies_total\{namespace="callcenter",broker="default",trigger="loan-risk",outcome="appended"\}/,
  );
  assert.match(
    output,
    /eventyard_source_events_total\{kind="webhook",source="callcenter\/crm",outcome="duplicate"\}/,
  );
  assert.match(
    output,
    /DEAD LETTER com.example.speech.transcribed call-0005: trigger callcenter\/call-analytics gave up after 3 attempts/,
  );
  assert.match(output, /OK: every event went where the manifests say/);
}

test('the call-center scenario runs with one command on the embedded log', async () => {
  assertScenario(await runScenario({ KAFKA_BROKERS: '' }), 'embedded');
});

test('the call-center scenario runs on Kafka with KAFKA_BROKERS set', async () => {
  const brokers = kafkaBrokers().join(',');
  const suffix = randomBytes(3).toString('hex');
  assertScenario(
    await runScenario({
      KAFKA_BROKERS: brokers,
      EVENTYARD_TOPIC_TEMPLATE: `eyt-${suffix}-{namespace}-{name}`,
    }),
    'kafka',
  );
});
