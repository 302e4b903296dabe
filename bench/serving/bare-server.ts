/**
 * The baseline of the serving load benchmark: a bare Fastify server (the version nextbuy runs on)
 * that answers `GET /v1/customers/:id/recommendations` with one Redis GET of the bytes nextbuy sent
 * for that customer. No keys, no validation, no logging: the floor any Fastify + Redis service pays.
 *
 *   BARE_PORT=3990 BARE_KEY_PREFIX=bench:bare: REDIS_URL=redis://127.0.0.1:6379 node --import tsx bench/serving/bare-server.ts
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Redis from 'ioredis';

/** The little of Fastify's API this server uses (its types live where npm nested the package). */
interface Reply {
  code(status: number): Reply;
  type(contentType: string): Reply;
  send(body: unknown): Reply;
}
interface FastifyApp {
  get<P>(path: string, handler: (req: { params: P }, reply: Reply) => Promise<unknown>): void;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

// Fastify is a dependency of @nextbuy/server, not of the repository root: load that very copy.
const requireFromServer = createRequire(join(__dirname, '../../packages/server/package.json'));
const fastify = requireFromServer('fastify') as (options: object) => FastifyApp;

const port = Number(process.env.BARE_PORT ?? 3990);
const prefix = process.env.BARE_KEY_PREFIX ?? 'bench:bare:';
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const app = fastify({ logger: false, routerOptions: { maxParamLength: 1024 } });

app.get<{ id: string }>('/v1/customers/:id/recommendations', async (req, reply) => {
  const body = await redis.get(prefix + req.params.id);
  if (body === null)
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'not warmed' });
  return reply.type('application/json; charset=utf-8').send(body);
});
app.get('/health/live', () => Promise.resolve({ status: 'ok' }));

app.listen({ port, host: '127.0.0.1' }).catch((e: unknown) => {
  process.stderr.write(`bare server failed: ${String(e)}\n`);
  process.exit(1);
});
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => redis.quit())
    .then(() => process.exit(0));
});
