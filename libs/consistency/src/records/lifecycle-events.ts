import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { MetricsService, Transition } from '@app/metrics';

/**
 * The single place lifecycle transitions are announced: one structured JSON line
 * (`inconsistency.<transition>`) and one counter increment per transition, never per poll.
 */
@Injectable()
export class LifecycleEvents {
  constructor(
    private readonly logger: PinoLogger,
    private readonly metrics: MetricsService,
  ) {
    logger.setContext('Lifecycle');
  }

  emit(transition: Transition, fields: Record<string, unknown>): void {
    const event = `inconsistency.${transition}`;
    this.metrics.transition(transition);
    this.logger.info({ event, ...fields }, event);
  }
}
