import { ArgumentMetadata, BadRequestException, Type, ValidationPipe } from '@nestjs/common';
import { validate } from 'class-validator';

/**
 * Nest's ValidationPipe (whitelisted DTOs, unknown fields refused), except that a JSON body is never
 * rewritten. Nest's pipe deletes `constructor`, `prototype` and `__proto__` keys at every depth and
 * class-transformer drops keys named like Object.prototype members (or fails on them), so an item's
 * value would silently lose data. A body's DTO is therefore its own fields as given (copied as own
 * properties, so no key can reach a prototype), validated by class-validator alone. (The json-body
 * parser already refuses `__proto__` and `constructor.prototype`.) Query strings keep Nest's pipe,
 * for their conversions and defaults, and a query key it drops is refused like any unknown field.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) return this.body(value, metadata.metatype);
    const keys = isObject(value) ? Object.keys(value) : [];
    const result: unknown = await super.transform(value, metadata);
    const dropped = isObject(result) && result !== value ? keys.filter((key) => !Object.hasOwn(result, key)) : [];
    if (dropped.length > 0) throw new BadRequestException(dropped.map((key) => `property ${key} should not exist`));
    return result;
  }

  private async body(value: unknown, metatype: Type): Promise<object> {
    if (!isObject(value)) throw new BadRequestException('The body must be a JSON object');
    // No DTO declares such a field, and an own `constructor` would hide the DTO's class from class-validator.
    const members = Object.keys(value).filter((key) => key in Object.prototype);
    if (members.length > 0) throw new BadRequestException(members.map((key) => `property ${key} should not exist`));
    const dto = Object.create(metatype.prototype as object) as object;
    for (const [key, field] of Object.entries(value)) {
      Object.defineProperty(dto, key, { value: field, enumerable: true, writable: true, configurable: true });
    }
    const errors = await validate(dto, { ...this.validatorOptions, validationError: { target: false, value: false } });
    if (errors.length > 0) throw await this.exceptionFactory(errors);
    return dto;
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
