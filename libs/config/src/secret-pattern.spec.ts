import { secretPattern } from './secret-pattern';

const TOKEN = 'Adm1n+Tok/en=Secret==42';
const redact = (line: string, secrets = [TOKEN]) => line.replace(secretPattern(secrets)!, '[redacted]');

describe('secretPattern', () => {
  it('is null without secrets', () => {
    expect(secretPattern([])).toBeNull();
    expect(secretPattern([''])).toBeNull();
  });

  it.each([
    ['as is', TOKEN],
    ['URL-encoded', encodeURIComponent(TOKEN)],
    ['URL-encoded, lower-case hex', encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['partly URL-encoded', 'Adm1n%2BTok/en%3dSecret==42'],
    ['every character percent-encoded', [...Buffer.from(TOKEN)].map((b) => '%' + b.toString(16)).join('')],
    ['base64', Buffer.from(TOKEN).toString('base64')],
    ['base64url', Buffer.from(TOKEN).toString('base64url')],
    ['base64, inside Basic credentials', Buffer.from(`admin:${TOKEN}`).toString('base64')],
    ['base64, after one byte', Buffer.from(`x${TOKEN}y`).toString('base64')],
    ['base64, after two bytes', Buffer.from(`xy${TOKEN}`).toString('base64')],
  ])('finds the token %s', (_, spelling) => {
    const line = JSON.stringify({ req: { url: `/items?token=${spelling}&limit=5` } });
    const out = redact(line);
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(spelling);
    expect(out).toContain('&limit=5');
  });

  it('finds a secret JSON-escaped in the line, and one with spaces written as +', () => {
    expect(redact(JSON.stringify({ msg: 'pass "quoted\\secret" here' }), ['"quoted\\secret"'])).toBe('{"msg":"pass [redacted] here"}');
    expect(redact('q=my+long+pass+phrase', ['my long pass phrase'])).toBe('q=[redacted]');
  });

  it('leaves other text alone', () => {
    const line = JSON.stringify({ msg: 'Adm1n Tok en Secret 42', url: '/items/debug/check/123' });
    expect(redact(line)).toBe(line);
  });
});
