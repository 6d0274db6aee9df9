import type { ApiPropertyOptions } from '@nestjs/swagger';

/** OpenAPI schema for "any JSON value except null". */
export const ANY_JSON_BUT_NULL: ApiPropertyOptions = {
  description: 'Any JSON value except null',
  oneOf: [
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
  ],
};
