import { Injectable, Logger } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';
import { ItemWriteListener } from '@app/items';

/** The channel the change relay LISTENs on (the capture trigger notifies it for out-of-band writes). */
export const ITEM_CHANGES_CHANNEL = 'polaris_item_changes';

/**
 * Wakes the change relay after the api's own writes commit. One NOTIFY in flight at a time, and one
 * more after it if writes committed meanwhile: thousands of writes a second cost a handful of tiny
 * notify-only transactions, which need no WAL flush and so hold the notification lock only briefly.
 * A lost wake-up costs latency, never a change: the relay also polls.
 */
@Injectable()
export class ItemChangesNotifier extends ItemWriteListener {
  private readonly logger = new Logger(ItemChangesNotifier.name);
  private inFlight = false;
  private again = false;

  constructor(@InjectEntityManager() private readonly manager: EntityManager) {
    super();
  }

  committed(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    sqlRows(this.manager, `SELECT pg_notify($1, '')`, [ITEM_CHANGES_CHANNEL])
      .catch((err: Error) => this.logger.debug(`relay wake-up not sent: ${err.message}`))
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.committed();
        }
      });
  }
}
