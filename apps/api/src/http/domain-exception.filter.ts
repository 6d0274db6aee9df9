import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isRedisUnavailable } from '@app/cache';
import { ConsistencyError, ConsistencyErrorCode } from '@app/consistency';
import { isDatabaseUnavailable } from '@app/database';
import { ItemsError, ItemsErrorCode } from '@app/items';

type DomainCode = ItemsErrorCode | ConsistencyErrorCode;

/** The one place domain error codes become HTTP statuses. Exhaustive: a new code will not compile until mapped. */
function statusFor(code: DomainCode): number {
  switch (code) {
    case ItemsErrorCode.NotFound:
    case ConsistencyErrorCode.InconsistencyNotFound:
      return HttpStatus.NOT_FOUND;
    case ItemsErrorCode.VersionConflict:
      return HttpStatus.CONFLICT;
    case ConsistencyErrorCode.UnknownSource:
      return HttpStatus.BAD_REQUEST;
  }
}

/** The one place errors become HTTP answers; what it logs goes through the request's logger, with its id. */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const { status, body } = this.describe(err, http.getRequest<FastifyRequest>().log);
    void http.getResponse<FastifyReply>().status(status).send(body);
  }

  private describe(err: unknown, log: FastifyBaseLogger): { status: number; body: Record<string, unknown> } {
    if (err instanceof ItemsError || err instanceof ConsistencyError) {
      const status = statusFor(err.code);
      return { status, body: { statusCode: status, error: STATUS_CODES[status], code: err.code, message: err.message, ...err.details } };
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const response = err.getResponse();
      return {
        status,
        // Fastify's own errors (415, 413, bad JSON) reach here as HttpException(message, status): same shape as the rest.
        body:
          typeof response === 'object'
            ? (response as Record<string, unknown>)
            : { statusCode: status, error: STATUS_CODES[status], message: response },
      };
    }
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      const e = err as { code?: string; message: string };
      return {
        status: fastifyStatus,
        body: { statusCode: fastifyStatus, error: STATUS_CODES[fastifyStatus], code: e.code, message: e.message },
      };
    }
    if (isDatabaseUnavailable(err)) {
      return this.unavailable('PostgreSQL is unavailable; try again shortly', err, log);
    }
    if (isRedisUnavailable(err)) {
      return this.unavailable('Redis is unavailable; try again shortly', err, log);
    }
    log.error({ event: 'http.unhandled_error', error: (err as Error)?.message, stack: (err as Error)?.stack }, 'unhandled error');
    return { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' } };
  }

  private unavailable(message: string, err: unknown, log: FastifyBaseLogger) {
    log.warn({ event: 'dependency.unavailable', error: (err as Error).message }, message);
    return { status: 503, body: { statusCode: 503, error: 'Service Unavailable', message } };
  }
}
