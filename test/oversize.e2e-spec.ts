import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestContext } from '@app/testing';

const MB = 1024 * 1024;
/** The sizes of uploads that used to break: Node's fetch got EPIPE for most of them at 10 and 50 MB. */
const SIZES = [...Array<number>(20).fill(2 * MB), ...Array<number>(20).fill(10 * MB), ...Array<number>(10).fill(50 * MB)];

/** A JSON body of about `bytes` bytes. */
const bodyOf = (bytes: number) => `{"name": "big", "value": "${'x'.repeat(bytes)}"}`;

/**
 * A body over BODY_LIMIT_BYTES gets its 413 and JSON error with every client, over a real socket:
 * the server reads and drops the rest of the body before answering, so the client is never cut off
 * mid-upload (a broken pipe instead of an answer).
 */
describe('413 for every client', () => {
  let ctx: TestContext;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    ctx = await TestContext.create('oversize', { LOG_LEVEL: 'error' });
    await ctx.startApi();
    base = await ctx.listenApi();
    dir = mkdtempSync(join(tmpdir(), 'polaris-oversize-'));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.close();
  });

  const items = async () => (await ctx.pg.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n as number;

  it(`answers ${SIZES.length} over-limit uploads from Node's fetch with ${SIZES.length} responses of 413`, async () => {
    const answers: string[] = [];
    for (const size of SIZES) {
      try {
        const res = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf(size) });
        const body = (await res.json()) as { statusCode: number; message: string };
        answers.push(`${res.status} ${body.statusCode} ${body.message}`);
      } catch (err) {
        answers.push(`${size} bytes: ${(err as Error).message} ${String((err as { cause?: unknown }).cause)}`);
      }
    }
    expect(answers).toEqual(SIZES.map(() => '413 413 Request body is too large'));
    expect(await items()).toBe(0);
  }, 300_000);

  it('answers only once the whole body is read, so a client still sending is never cut off', async () => {
    // The mechanism behind the broken pipes: answering (and closing) at the Content-Length header
    // leaves a slow client writing into a closed connection, and a busy one reading a reset.
    const { port } = new URL(base);
    const total = 10 * MB;
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    socket.on('data', (d) => (response += d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`POST /items HTTP/1.1\r\nHost: polaris\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
    socket.write(Buffer.alloc(MB, 'x'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(response).toBe(''); // nothing yet: a tenth of the body is still to come
    socket.end(Buffer.alloc(total - MB, 'x'));
    await closed;
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))).toMatchObject({ statusCode: 413 });
  });

  it('answers a streamed upload without a content-length (chunked) with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(MB));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode('{"name": "big", "value": "')),
      pull: (c) => (sent++ < 8 ? c.enqueue(chunk) : c.close()),
    });
    const res = await fetch(`${base}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ statusCode: 413, message: 'Request body is too large' });
  });

  it('answers a client that waits for 100-continue with 413', async () => {
    const payload = Buffer.from(bodyOf(10 * MB));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, expect: '100-continue' },
      });
      req.on('continue', () => req.end(payload));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
    });
    expect(status).toBe(413);
  });

  it.each([
    ['with curl', []],
    ['with curl, without Expect: 100-continue', ['-H', 'Expect:']],
  ])(
    'answers over-limit uploads %s with 413',
    async (_, extra) => {
      for (const size of [2 * MB, 10 * MB, 50 * MB]) {
        const file = join(dir, `body-${size}.json`);
        writeFileSync(file, bodyOf(size));
        // Asynchronously: the api answers from this very process.
        const curl = await new Promise<{ exit: number; stdout: string; stderr: string }>((resolve) =>
          execFile(
            'curl',
            [
              '-sS',
              '-o',
              '-',
              '-w',
              '\n%{http_code}',
              '-H',
              'content-type: application/json',
              ...extra,
              '--data-binary',
              `@${file}`,
              `${base}/items`,
            ],
            (err, stdout, stderr) => resolve({ exit: err ? Number(err.code) : 0, stdout, stderr }),
          ),
        );
        expect({ size, exit: curl.exit, stderr: curl.stderr }).toEqual({ size, exit: 0, stderr: '' });
        const [body, code] = curl.stdout.split('\n');
        expect(code).toBe('413');
        expect(JSON.parse(body)).toMatchObject({ statusCode: 413 });
      }
    },
    120_000,
  );

  it('still answers 415 to a large body of another type', async () => {
    const res = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(10 * MB) });
    expect(res.status).toBe(415);
  });

  it('keeps serving: a body within the limit is accepted on the same server afterwards', async () => {
    const res = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf(1000) });
    expect(res.status).toBe(201);
    expect(await items()).toBe(1);
  });
});
