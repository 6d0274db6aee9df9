import { Logger } from '@nestjs/common';

/**
 * Logs something that keeps failing once when it starts failing and once when it works again, never
 * once per attempt: during an outage every retry, reconnect and probe fails, many times a second.
 */
export class OutageLog {
  private failing = false;

  /** `event` (e.g. `relay.failed`) names the first failure's line; the recovery's is `relay.recovered`. */
  constructor(
    private readonly logger: Logger,
    private readonly event: string,
    private readonly what: string,
  ) {}

  get isFailing(): boolean {
    return this.failing;
  }

  failed(err: unknown, fields: Record<string, unknown> = {}): void {
    if (this.failing) return;
    this.failing = true;
    const error = err instanceof Error ? err.message : String(err);
    this.logger.warn({ event: this.event, error, ...fields }, `${this.what} failing: ${error}`);
  }

  ok(fields: Record<string, unknown> = {}): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log({ event: `${this.event.replace(/\.[a-z_]+$/, '')}.recovered`, ...fields }, `${this.what} recovered`);
  }
}
