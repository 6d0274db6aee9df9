import { AuditUsageError, parseAuditOptions } from './audit-options';

describe('parseAuditOptions', () => {
  it('reads every option', () => {
    expect(
      parseAuditOptions([
        '--source',
        'items',
        '--source',
        'customers',
        '--limit',
        '1000',
        '--sample',
        '0.01',
        '--max-rate',
        '500',
        '--json',
        'r.json',
      ]),
    ).toEqual({ sources: ['items', 'customers'], limit: 1000, sample: 0.01, maxRate: 500, json: 'r.json', help: false });
    expect(parseAuditOptions([])).toEqual({
      sources: [],
      limit: undefined,
      sample: undefined,
      maxRate: undefined,
      json: undefined,
      help: false,
    });
    expect(parseAuditOptions(['-h']).help).toBe(true);
    expect(parseAuditOptions(['--sample', '1']).sample).toBe(1);
    expect(parseAuditOptions(['--sample', '.5']).sample).toBe(0.5);
  });

  it.each([
    [['--limit', '0'], /--limit takes a whole number of at least 1, not "0"/],
    [['--limit=-3'], /--limit takes a whole number/],
    [['--limit', '1e3'], /--limit takes a whole number/],
    [['--max-rate', '2.5'], /--max-rate takes a whole number/],
    [['--sample', '0'], /--sample takes a share of the rows above 0 and at most 1/],
    [['--sample', '1.5'], /--sample takes a share/],
    [['--sample', '50%'], /--sample takes a share/],
    [['--sample', '.'], /--sample takes a share/],
    [['--source', ''], /--source needs a source name/],
    [['--json', ' '], /--json needs a file name/],
    [['--limit'], /argument missing/],
    [['--fast'], /Unknown option '--fast'/],
    [['items'], /Unexpected argument 'items'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseAuditOptions(argv)).toThrow(AuditUsageError);
    expect(() => parseAuditOptions(argv)).toThrow(message);
  });
});
