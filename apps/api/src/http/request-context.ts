import { randomUUID } from 'node:crypto';
import { FastifyInstance, FastifyServerOptions, LogController } from 'fastify';
import type { MetricsService } from '@app/metrics';
import { HEALTH_PATH, isAdminRequest, isUnder } from './paths';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request ids and logging: a caller's X-Request-Id when it is a sane token, otherwise a fresh UUID;
 * Fastify's own per-request lines are off (registerRequestHooks logs failures instead).
 */
export const requestLoggingOptions: Pick<FastifyServerOptions, 'requestIdHeader' | 'genReqId' | 'logController'> = {
  requestIdHeader: false,
  logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
  genReqId: (req) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  },
};

/**
 * Echoes the request id, times every request by route template, and logs failed requests (4xx as
 * warn, 5xx as error) with their id. Successful requests are not logged: the read path is hot, and
 * the latency histogram counts them. Failing health probes are not logged per probe (readiness logs
 * its own changes), and an admin request's query string is never logged.
 */
export function registerRequestHooks(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url;
    metrics.httpRequest(request.method, route ?? 'unmatched', status, reply.elapsedTime / 1000);
    if (status >= 400 && !(route && isUnder(route, HEALTH_PATH))) {
      const url = isAdminRequest(request) ? request.url.split('?', 1)[0] : request.url;
      const entry = { req: { method: request.method, url }, res: { statusCode: status }, responseTime: reply.elapsedTime };
      if (status >= 500) request.log.error(entry, 'request failed');
      else request.log.warn(entry, 'request rejected');
    }
    done();
  });
}
