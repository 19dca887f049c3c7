/**
 * The ingress baseline: a bare fastify route that reads the body and answers 202 with no work.
 * The same framework and body handling as the broker, so the ratio measures what the broker adds.
 */
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/:namespace/:broker', async (_request, reply) => reply.code(202).send());
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` })}\n`,
);
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
