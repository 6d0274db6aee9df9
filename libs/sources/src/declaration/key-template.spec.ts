import { KeyTemplate } from './key-template';

describe('KeyTemplate', () => {
  it('renders, parses back and scans the keys of a row', () => {
    const t = KeyTemplate.parse('customer:{id}:profile');
    expect(t.columns).toEqual(['id']);
    expect(t.render({ id: '42' })).toBe('customer:42:profile');
    expect(t.parse('customer:42:profile')).toEqual({ id: '42' });
    expect(t.parse('customer:42')).toBeNull();
    expect(t.scanPattern()).toBe('customer:*:profile');
  });

  it('parses composite keys and values that contain the separator', () => {
    const t = KeyTemplate.parse('order:{tenant_id}:{id}');
    expect(t.parse('order:7:99')).toEqual({ tenant_id: '7', id: '99' });
    expect({ ...KeyTemplate.parse('customer:by-email:{email}').parse('customer:by-email:a:b@c.io') }).toEqual({ email: 'a:b@c.io' });
  });

  it('requires a repeated column to hold one value', () => {
    const t = KeyTemplate.parse('{id}/copy/{id}');
    expect({ ...t.parse('1/copy/1') }).toEqual({ id: '1' });
    expect(t.parse('1/copy/2')).toBeNull();
  });

  it('escapes glob and regular-expression characters in literals', () => {
    const t = KeyTemplate.parse('a*b?[c]\\.{id}');
    expect(t.scanPattern()).toBe('a\\*b\\?\\[c\\]\\\\.*');
    expect(t.parse('a*b?[c]\\.1')).toEqual({ id: '1' });
    expect(t.parse('axb?[c]\\.1')).toBeNull();
  });

  it.each([
    ['', 'is empty'],
    ['customer', 'no {column} placeholder'],
    ['customer:{id}{email}', 'nothing between them'],
    ['customer:{id', "'{' or '}'"],
    ['customer:{1d}', "'{' or '}'"],
    ['customer:}{id}', "'{' or '}'"],
  ])('refuses %j', (text, message) => {
    expect(() => KeyTemplate.parse(text)).toThrow(message);
  });

  it('ranks overlapping templates by their literal characters', () => {
    expect(KeyTemplate.parse('customer:{id}:profile').specificity).toBeGreaterThan(KeyTemplate.parse('customer:{id}').specificity);
  });
});
