import { Logger } from '@nestjs/common';
import { OutageLog } from '@app/config';
import { Client } from 'pg';

/**
 * A dedicated connection that LISTENs on one channel and reconnects by itself. `onNotify` is also
 * called after every (re)connect, since notifications sent while disconnected are lost.
 */
export class PgListener {
  private readonly outage: OutageLog;
  private client?: Client;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
  ) {
    this.outage = new OutageLog(new Logger(PgListener.name), 'listener.connect_failed', `LISTEN ${channel}`);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on('notification', () => this.onNotify());
    client.on('error', () => this.reconnectLater(client));
    client.on('end', () => this.reconnectLater(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      this.outage.ok({ channel: this.channel });
      this.onNotify();
    } catch (err) {
      this.outage.failed(err, { channel: this.channel }); // retried every second
      this.reconnectLater(client);
    }
  }

  private reconnectLater(client: Client): void {
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.client === client) this.client = undefined;
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.connect();
    }, 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
