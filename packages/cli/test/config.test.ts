import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogFormat, parseSize, parseStartConfig } from '../src/index.ts';

test('start flags have defaults, and each has an environment variable that a flag overrides', () => {
  const defaults = parseStartConfig(['--config', 'x'], {});
  assert.deepEqual(defaults, {
    configPaths: ['x'],
    port: 8080,
    host: '0.0.0.0',
    dataDir: '.eventyard',
    role: 'all',
    maxBodyBytes: 1024 * 1024,
    metricEventTypes: 100,
    requestTimeoutMs: 30_000,
    logLevel: 'info',
    logFormat: 'auto',
    kafkaBrokers: undefined,
    kafkaClient: 'platformatic',
    topicTemplate: undefined,
    instanceId: undefined,
    kubernetes: false,
    namespaces: [],
    kubeconfig: undefined,
    ingressUrl: undefined,
  });
  const kube = parseStartConfig(['--kubernetes', '--namespace', 'a', '--namespace', 'b'], {});
  assert.equal(kube.kubernetes, true);
  assert.deepEqual(kube.namespaces, ['a', 'b']);
  assert.equal(parseStartConfig([], { EVENTYARD_KUBERNETES: 'true' }).kubernetes, true);
  const fromEnv = parseStartConfig([], {
    EVENTYARD_CONFIG: 'a.yaml, b/',
    EVENTYARD_PORT: '9000',
    EVENTYARD_ROLE: 'dispatcher',
    EVENTYARD_MAX_BODY: '256kb',
    EVENTYARD_REQUEST_TIMEOUT: '1.5m',
    KAFKA_BROKERS: 'k1:9092, k2:9092',
  });
  assert.deepEqual(fromEnv.configPaths, ['a.yaml', 'b/']);
  assert.equal(fromEnv.port, 9000);
  assert.equal(fromEnv.role, 'dispatcher');
  assert.equal(fromEnv.maxBodyBytes, 256 * 1024);
  assert.equal(
    parseStartConfig(['--config', 'x'], { EVENTYARD_METRICS_EVENT_TYPES: '7' }).metricEventTypes,
    7,
  );
  assert.equal(fromEnv.requestTimeoutMs, 90_000);
  assert.equal(parseStartConfig(['--config', 'x', '--request-timeout', '500ms'], {}).requestTimeoutMs, 500);
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--request-timeout', '30'], {}),
    /--request-timeout must be a duration such as 500ms, 30s or 1m, got "30"/,
  );
  assert.deepEqual(fromEnv.kafkaBrokers, ['k1:9092', 'k2:9092']);
  assert.equal(parseStartConfig(['--config', 'x', '--port', '7000'], { EVENTYARD_PORT: '9000' }).port, 7000);
  assert.equal(parseStartConfig(['--config', 'x'], { KAFKA_BROKERS: '' }).kafkaBrokers, undefined);
  assert.equal(
    parseStartConfig(['--config', 'x'], { EVENTYARD_KAFKA_CLIENT: 'kafkajs' }).kafkaClient,
    'kafkajs',
  );
  assert.equal(
    parseStartConfig(['--config', 'x', '--kafka-client', 'platformatic'], {
      EVENTYARD_KAFKA_CLIENT: 'kafkajs',
    }).kafkaClient,
    'platformatic',
  );
});

test('--instance-id names this process in its Kafka groups, and needs Kafka on the platformatic client', () => {
  const kafka = { KAFKA_BROKERS: 'k:9092' };
  assert.equal(
    parseStartConfig(['--config', 'x'], { ...kafka, EVENTYARD_INSTANCE_ID: 'pod-1' }).instanceId,
    'pod-1',
  );
  assert.throws(() => parseStartConfig(['--config', 'x', '--instance-id', 'a'], {}), /pass --kafka too/);
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--instance-id', 'a', '--kafka-client', 'kafkajs'], kafka),
    /needs --kafka-client platformatic/,
  );
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--instance-id', 'a b'], kafka),
    /--instance-id is 1-249 letters, digits, '.', '_' or '-', got "a b"/,
  );
});

test('bad values name the flag and what it takes', () => {
  assert.throws(() => parseStartConfig([], {}), /--config PATH/);
  assert.throws(() => parseStartConfig(['--config', 'x', '--kubernetes'], {}), /exclude each other/);
  assert.throws(() => parseStartConfig(['--config', 'x', '--kubernetes'], {}), /exclude each other/);
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--port', '80a'], {}),
    /--port must be a number from 0 to 65535, got "80a"/,
  );
  assert.throws(() => parseStartConfig(['--config', 'x', '--port', '70000'], {}), /--port/);
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--log-level', 'loud'], {}),
    /--log-level must be one of/,
  );
  assert.throws(() => parseStartConfig(['--config', 'x', '--colour'], {}), /--colour/);
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--kafka-client', 'rdkafka'], {}),
    /--kafka-client must be one of kafkajs, platformatic, got "rdkafka"/,
  );
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--max-body', 'lots'], {}),
    /--max-body must be a size such as 512kb or 1mb, got "lots"/,
  );
});

test('sizes are binary units', () => {
  assert.equal(parseSize('1mb', '--max-body'), 1048576);
  assert.equal(parseSize('512KB', '--max-body'), 524288);
  assert.equal(parseSize('100', '--max-body'), 100);
  assert.equal(parseSize('1.5mb', '--max-body'), 1572864);
  assert.throws(() => parseSize('0', '--max-body'), /at least 1 byte/);
});

test('--log-format json|pretty|auto, from the flag or EVENTYARD_LOG_FORMAT (the flag wins); auto by default', () => {
  assert.equal(parseStartConfig(['--config', 'x'], {}).logFormat, 'auto');
  assert.equal(parseStartConfig(['--config', 'x', '--log-format', 'pretty'], {}).logFormat, 'pretty');
  assert.equal(parseStartConfig(['--config', 'x'], { EVENTYARD_LOG_FORMAT: 'json' }).logFormat, 'json');
  assert.equal(
    parseStartConfig(['--config', 'x', '--log-format', 'json'], { EVENTYARD_LOG_FORMAT: 'pretty' }).logFormat,
    'json',
  );
  assert.throws(
    () => parseStartConfig(['--config', 'x', '--log-format', 'yaml'], {}),
    /--log-format must be one of auto, json, pretty, got "yaml"/,
  );
  assert.equal(parseLogFormat(undefined), 'auto');
});
