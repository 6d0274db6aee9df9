import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** PostgreSQL `text` and `jsonb` reject NUL; unpaired UTF-16 surrogates are not Unicode at all. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` cannot be stored as PostgreSQL text, or null when it can. */
export function unstorableText(s: string): string | null {
  const m = UNSTORABLE_TEXT.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? 'contains a NUL character (\\u0000)' : 'contains an unpaired UTF-16 surrogate';
}

/**
 * Why `value` cannot be stored as `jsonb` exactly as given, or null when it can: numbers must be
 * finite (JSON's 1e400 parses to Infinity, which would be stored as null) and every string and key
 * must be storable text. Iterative, so no nesting depth can overflow the stack.
 */
export function unstorableJson(value: unknown, path: string): string | null {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${at} is a number outside the range of a double`;
      continue;
    }
    if (typeof v === 'string') {
      const problem = unstorableText(v);
      if (problem) return `${at} ${problem}`;
      continue;
    }
    if (Array.isArray(v)) {
      v.forEach((e, i) => stack.push([e, `${at}[${i}]`]));
      continue;
    }
    if (typeof v === 'object') {
      for (const [k, e] of Object.entries(v)) {
        const problem = unstorableText(k);
        if (problem) return `${at} has a key that ${problem}`;
        stack.push([e, `${at}.${k}`]);
      }
      continue;
    }
    return `${at} is not a JSON value`;
  }
  return null;
}

/** A string PostgreSQL stores as given: no NUL, no unpaired surrogate. */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown) => typeof v !== 'string' || unstorableText(v) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} ${unstorableText(String(args?.value)) ?? 'is not storable text'}`,
      },
    });
}

/** A JSON value PostgreSQL stores exactly as given (see unstorableJson). */
export function IsStorableJson(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStorableJson',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown, args?: ValidationArguments) => unstorableJson(v, args?.property ?? 'value') === null,
        defaultMessage: (args?: ValidationArguments) =>
          unstorableJson(args?.value, args?.property ?? 'value') ?? `${args?.property} is not storable JSON`,
      },
    });
}
