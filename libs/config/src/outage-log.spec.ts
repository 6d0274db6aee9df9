import { Logger } from '@nestjs/common';
import { OutageLog } from './outage-log';

describe('OutageLog', () => {
  it('logs the first failure and the recovery, nothing in between', () => {
    const lines: [string, Record<string, unknown>][] = [];
    const logger = {
      warn: (fields: Record<string, unknown>) => lines.push(['warn', fields]),
      log: (fields: Record<string, unknown>) => lines.push(['log', fields]),
    } as unknown as Logger;
    const sut = new OutageLog(logger, 'relay.failed', 'change relay');

    sut.ok();
    for (let i = 0; i < 50; i++) sut.failed(new Error('connect ECONNREFUSED'));
    expect(sut.isFailing).toBe(true);
    sut.ok();
    sut.ok();
    sut.failed('again');

    expect(lines).toEqual([
      ['warn', { event: 'relay.failed', error: 'connect ECONNREFUSED' }],
      ['log', { event: 'relay.recovered' }],
      ['warn', { event: 'relay.failed', error: 'again' }],
    ]);
  });
});
