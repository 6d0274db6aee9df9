import { Injectable } from '@nestjs/common';
import type { Backlog } from './change-log';
import { ItemChangesRepository } from './item-changes.repository';
import { SourceChangesRepository } from './source-changes.repository';

/** Changes captured but not relayed yet, over both change logs (the items' and the declared sources'). */
@Injectable()
export class ChangeBacklog {
  constructor(
    private readonly items: ItemChangesRepository,
    private readonly sources: SourceChangesRepository,
  ) {}

  async read(): Promise<Backlog> {
    const [a, b] = await Promise.all([this.items.backlog(), this.sources.backlog()]);
    const oldest = [a.oldest, b.oldest].filter((d): d is Date => d !== null).sort((x, y) => x.getTime() - y.getTime())[0] ?? null;
    return { count: a.count + b.count, oldest };
  }
}
