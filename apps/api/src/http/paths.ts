import type { FastifyRequest } from 'fastify';
import { posix } from 'node:path';

/** The browser UIs: Swagger and the queue board. */
export const DOCS_PATH = '/docs';
export const QUEUE_BOARD_PATH = '/queues';
/** The debug routes (DebugController). */
export const DEBUG_PATH = '/items/debug';
/** The probes (HealthController). */
export const HEALTH_PATH = '/health';

const ADMIN_PATHS = [DEBUG_PATH, QUEUE_BOARD_PATH];

/** Whether `path` is `prefix` itself or lies below it. */
export function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The path a URL names, read as leniently as any router or proxy might: percent-decoded (repeatedly,
 * so `%2571` is `q`), backslashes and duplicate slashes folded, dot segments resolved, `;` parameters
 * dropped, lower-cased. Byte-wise decoding never throws on a malformed sequence.
 */
export function normalisedPath(url: string): string {
  let path = url.split(/[?#]/, 1)[0];
  for (let round = 0; round < 3; round++) {
    const decoded = path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (decoded === path) break;
    path = decoded;
  }
  path = path.replace(/\\/g, '/').replace(/;[^/]*/g, '');
  return posix
    .normalize(`/${path}`)
    .replace(/(.)\/+$/, '$1')
    .toLowerCase();
}

/**
 * Whether a request reaches the admin surface: by the route the router matched (whatever spelling of
 * the path led there), or by any spelling of an admin path (so those get 401/403, not 404).
 */
export function isAdminRequest(request: Pick<FastifyRequest, 'url' | 'routeOptions'>): boolean {
  const route = request.routeOptions.url;
  const path = normalisedPath(request.url);
  return ADMIN_PATHS.some((prefix) => (route !== undefined && isUnder(route, prefix)) || isUnder(path, prefix));
}

/** Whether the matched route serves one of the browser UIs, whose inline scripts a content security policy would block. */
export function isUiRoute(request: Pick<FastifyRequest, 'routeOptions'>): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && (isUnder(route, DOCS_PATH) || isUnder(route, QUEUE_BOARD_PATH));
}
