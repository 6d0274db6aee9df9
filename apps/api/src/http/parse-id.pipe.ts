import { ArgumentMetadata, Injectable, ParseUUIDPipe } from '@nestjs/common';

/**
 * A uuid path parameter, lowercased: PostgreSQL compares uuids case-insensitively but cache and
 * queue keys are strings, so every id inside Polaris is in its canonical (lowercase) form.
 */
@Injectable()
export class ParseIdPipe extends ParseUUIDPipe {
  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return (await super.transform(value, metadata)).toLowerCase();
  }
}
