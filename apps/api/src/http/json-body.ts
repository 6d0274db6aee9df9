import { errorCodes, FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';

/**
 * How deeply a JSON body may nest. Deeper bodies are a 400 at parse time: past roughly a thousand
 * levels the validation pipe's class-transformer (and JSON.stringify) overflow the stack, a 500.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * How much of an over-limit body is read and dropped before the 413 goes out. A server that answers
 * and closes while the client is still sending makes most clients (Node's fetch, curl) see a broken
 * pipe instead of the 413; past this bound the connection is closed anyway.
 */
export const OVER_LIMIT_DRAIN_BYTES = 64 * 1024 * 1024;

const badJson = (message: string) => Object.assign(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), { message });

/**
 * JSON bodies only (anything else is a 415), at most `bodyLimit` bytes (else a 413 that every client
 * receives, see OVER_LIMIT_DRAIN_BYTES), nested at most `maxDepth` levels, and without the keys that
 * could change an object's prototype (`__proto__`, `constructor.prototype`), each refused with a 400
 * that says where.
 */
export function acceptJsonOnly(fastify: FastifyInstance, bodyLimit: number, maxDepth = MAX_JSON_DEPTH): void {
  fastify.removeContentTypeParser('text/plain');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', (request, payload, done) => {
    readBody(payload, bodyLimit, Number(request.headers['content-length'])).then(
      (text) => {
        try {
          done(null, parseJson(text, maxDepth));
        } catch (err) {
          done(err as Error, undefined);
        }
      },
      (err: Error) => done(err, undefined),
    );
  });
}

/** The body as text, or a 413 once the whole body (up to OVER_LIMIT_DRAIN_BYTES) has been read and dropped. */
function readBody(payload: Readable, limit: number, contentLength: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    if (contentLength > OVER_LIMIT_DRAIN_BYTES) return tooLarge();
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > OVER_LIMIT_DRAIN_BYTES) {
        payload.off('data', onData);
        payload.off('end', onEnd);
        payload.pause();
        return tooLarge();
      }
      if (received <= limit) chunks.push(chunk);
      else chunks.length = 0;
    };
    const onEnd = () => (received > limit ? tooLarge() : resolve(Buffer.concat(chunks).toString('utf8')));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', reject);
  });
}

function parseJson(text: string, maxDepth: number): unknown {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  const problem = unsafeJson(value, maxDepth);
  if (problem) throw badJson(problem);
  return value;
}

/**
 * Why a parsed body is refused, or null. Iterative, so the check itself cannot overflow the stack.
 * (JSON.parse keeps `__proto__` as a plain key; it is code that copies the value later that would
 * turn it into a prototype.)
 */
function unsafeJson(root: unknown, maxDepth: number): string | null {
  const stack: [unknown, string, number][] = [[root, 'body', 1]];
  while (stack.length) {
    const [v, at, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return `JSON body nests deeper than ${maxDepth} levels`;
    for (const [key, child] of Object.entries(v)) {
      const path = Array.isArray(v) ? `${at}[${key}]` : `${at}.${key}`;
      if (key === '__proto__') return `${at} has a "__proto__" key, which is refused: it could change an object's prototype`;
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) {
        return `${path} has a "prototype" key, which is refused: it could change an object's prototype`;
      }
      stack.push([child, path, depth + 1]);
    }
  }
  return null;
}
