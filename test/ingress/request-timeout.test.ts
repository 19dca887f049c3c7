import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, writeManifest } from '../support/manifests.ts';

const BODY = '{"customer":"c-42","tier":"gold","note":"sent in pieces"}';

/**
 * A binary-mode POST over a raw socket whose body is written in `pieces` with `gapMs` between them,
 * as a slow client (or an attacker) would; resolves with the status line's code, the body, and
 * how long the answer took.
 */
function slowPost(
  port: number,
  path: string,
  pieces: number,
  gapMs: number,
): Promise<{ status: number; body: string; elapsedMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (!match) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(received)}`));
        return;
      }
      const split = received.indexOf('\r\n\r\n');
      resolve({
        status: Number(match[1]),
        body: received.slice(split + 4),
        elapsedMs: performance.now() - started,
      });
    });
    socket.on('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n` +
          'ce-specversion: 1.0\r\nce-id: slow-1\r\nce-source: /slow\r\nce-type: com.example.slow\r\n' +
          `content-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n`,
      );
      const size = Math.ceil(BODY.length / pieces);
      let offset = 0;
      const next = () => {
        if (socket.destroyed || offset >= BODY.length) return;
        socket.write(BODY.slice(offset, offset + size));
        offset += size;
        timer = setTimeout(next, gapMs);
      };
      next();
    });
  });
}

test('a body trickled at 1 byte/s is cut off with 408 at --request-timeout; slow but steady clients are served', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('team-a', 'default'));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`], {
    env: { EVENTYARD_REQUEST_TIMEOUT: '2s' },
  });
  t.after(() => broker.stop());

  // One byte a second: the whole body would take almost a minute.
  const trickle = slowPost(broker.port, '/team-a/default', BODY.length, 1000);
  // 500 concurrent clients that send their body in 4 pieces over 0.6 s: slow, but within the limit.
  const steady = Array.from({ length: 500 }, () => slowPost(broker.port, '/team-a/default', 4, 200));

  const cut = await trickle;
  assert.equal(cut.status, 408);
  const body = JSON.parse(cut.body) as { code: string; message: string; details: { limitMs: number } };
  assert.equal(body.code, 'EY_REQUEST_TIMEOUT');
  assert.equal(body.details.limitMs, 2000);
  assert.match(body.message, /not received within 2000 ms \(--request-timeout\)/);
  assert.ok(cut.elapsedMs >= 1900 && cut.elapsedMs < 4500, `answered after ${cut.elapsedMs} ms`);

  const answers = await Promise.all(steady);
  const statuses = new Map<number, number>();
  for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  assert.deepEqual([...statuses], [[202, 500]], 'every steady client got 202');

  const metrics = await (await fetch(`${broker.url}/metrics`)).text();
  assert.match(metrics, /\neventyard_ingress_request_timeouts_total 1\n/);
  assert.equal(await broker.stop(), 0);
});
