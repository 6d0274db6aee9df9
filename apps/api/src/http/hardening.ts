import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { guardAdminSurface } from './admin.guard';
import { isUiRoute } from './paths';

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
 * Security headers on every route but the two UIs' own (by the matched route, so `/docsXYZ` gets
 * them), CORS for the configured origins, and the admin guard on every spelling of the admin
 * surface (the queue board is served outside Nest's router). Call before routes exist.
 */
export function harden(app: NestFastifyApplication, cfg: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  const headers = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isUiRoute(request)) reply.headers(headers);
    done();
  });
  if (cfg.corsOrigins.length > 0) {
    app.enableCors({ origin: cfg.corsOrigins.includes('*') ? true : cfg.corsOrigins, exposedHeaders: ['x-request-id'] });
  }
  guardAdminSurface(fastify, cfg);
}
