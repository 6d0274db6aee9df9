import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { appConfig, AppConfig } from '@app/config';
import { isAdminRequest } from './paths';

export type AdminAccess = 'granted' | 'unauthorized' | 'forbidden';

export const ADMIN_DENIED: Record<Exclude<AdminAccess, 'granted'>, string> = {
  unauthorized: 'A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>',
  forbidden: 'Admin routes are disabled in production unless ADMIN_TOKEN is set',
};

/**
 * Admin routes (debug routes, the queue board): with ADMIN_TOKEN set they need
 * `Authorization: Bearer <token>`; without it they are open only outside NODE_ENV=production.
 */
export function adminAccess(app: Pick<AppConfig, 'adminToken' | 'isProduction'>, authorization: string | undefined): AdminAccess {
  const expected = app.adminToken;
  if (!expected) return app.isProduction ? 'forbidden' : 'granted';
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  const given = Buffer.from(match?.[1] ?? '');
  const want = Buffer.from(expected);
  return match && given.length === want.length && timingSafeEqual(given, want) ? 'granted' : 'unauthorized';
}

@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(appConfig.KEY) private readonly app: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const access = adminAccess(this.app, context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    if (access === 'forbidden') throw new ForbiddenException(ADMIN_DENIED.forbidden);
    if (access === 'unauthorized') throw new UnauthorizedException(ADMIN_DENIED.unauthorized);
    return true;
  }
}

/**
 * The same rule for every request that reaches the admin surface (see isAdminRequest), in a Fastify
 * hook: the queue board is served outside Nest's router, and the check runs on the route the router
 * matched, so no spelling of the path escapes it.
 */
export function guardAdminSurface(fastify: FastifyInstance, app: AppConfig): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isAdminRequest(request)) return done();
    const access = adminAccess(app, request.headers.authorization);
    if (access === 'granted') return done();
    const statusCode = access === 'forbidden' ? 403 : 401;
    void reply
      .code(statusCode)
      .send({ statusCode, error: statusCode === 403 ? 'Forbidden' : 'Unauthorized', message: ADMIN_DENIED[access] });
  });
}
