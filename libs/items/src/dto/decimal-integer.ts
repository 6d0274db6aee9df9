import { Transform, TransformFnParams } from 'class-transformer';

/**
 * A query parameter read as a whole number only when it is written in decimal digits: `Number()`
 * (and so `@Type(() => Number)`) also takes `0x10`, ` 5`, `1e2` and `''`. Anything else is left as
 * text for `@IsInt` to refuse.
 */
export function DecimalInteger(): PropertyDecorator {
  return Transform(({ value }: TransformFnParams) => (typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value), {
    toClassOnly: true,
  });
}
