import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';

/**
 * Nest's ValidationPipe (DTOs built, whitelisted, unknown fields refused), plus the one unknown field
 * it misses: class-transformer silently skips keys named like Object.prototype members (`toString`,
 * `constructor`, `valueOf`...), so `{"name": "x", "value": 1, "toString": 1}` would be accepted with
 * that field ignored. A field present in the input but absent from the DTO built from it is refused
 * like any other unknown field.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result: unknown = await super.transform(value, metadata);
    if ((metadata.type === 'body' || metadata.type === 'query') && isObject(value) && isObject(result) && result !== value) {
      const dropped = Object.keys(value).filter((key) => !Object.hasOwn(result, key));
      if (dropped.length > 0) throw new BadRequestException(dropped.map((key) => `property ${key} should not exist`));
    }
    return result;
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
