import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { guardAdminPrefix } from './admin.guard';

/** The browser UIs: they load inline scripts and styles that helmet's content security policy would block. */
export const DOCS_PATH = '/docs';
export const QUEUE_BOARD_PATH = '/queues';

/**
 * helmet's default security headers, computed once by running its middleware on a stand-in response:
 * they do not depend on the request. (@fastify/helmet rebuilds the middleware on every request,
 * which cost a quarter of the cache-hit read throughput.)
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let done = false;
  helmet()({} as IncomingMessage, res as unknown as ServerResponse, () => (done = true));
  if (!done || Object.keys(headers).length === 0) throw new Error('helmet did not produce its headers synchronously');
  return headers;
}

/**
 * Security headers on every route but the two UIs, CORS for the configured origins, and the admin
 * guard on the queue board (which Fastify serves outside Nest's router). Call before routes exist.
 */
export function harden(app: NestFastifyApplication, cfg: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  const headers = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith(DOCS_PATH) && !request.url.startsWith(QUEUE_BOARD_PATH)) reply.headers(headers);
    done();
  });
  if (cfg.corsOrigins.length > 0) {
    app.enableCors({ origin: cfg.corsOrigins.includes('*') ? true : cfg.corsOrigins, exposedHeaders: ['x-request-id'] });
  }
  guardAdminPrefix(fastify, QUEUE_BOARD_PATH, cfg);
}
