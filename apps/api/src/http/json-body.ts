import type { FastifyInstance } from 'fastify';

/**
 * How deeply a JSON body may nest. Deeper bodies are a 400 at parse time: past roughly a thousand
 * levels the validation pipe's class-transformer (and JSON.stringify) overflow the stack, a 500.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * JSON bodies only (anything else is a 415), parsed by Fastify's own parser (same prototype-poisoning
 * protection, bounded by the body limit), plus a nesting limit.
 */
export function acceptJsonOnly(fastify: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  fastify.removeContentTypeParser('text/plain');
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    parse(req, body as string, (err, value) => {
      if (err) return done(err, undefined);
      if (jsonDepthExceeds(value, maxDepth)) {
        const tooDeep = Object.assign(new Error(`JSON body nests deeper than ${maxDepth} levels`), {
          statusCode: 400,
          code: 'FST_ERR_CTP_INVALID_JSON_BODY',
        });
        return done(tooDeep, undefined);
      }
      done(null, value);
    }),
  );
}

/** Iterative, so the check itself cannot overflow the stack. */
function jsonDepthExceeds(root: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
