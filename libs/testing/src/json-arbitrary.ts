import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Keys that name members of Object.prototype (and a few other names code tends to treat specially):
 * a JSON value may use any of them as plain data, at any depth.
 */
export const MEMBER_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'prototype',
  'length',
  'then',
] as const;

/** Text PostgreSQL stores as given (no NUL; fast-check's graphemes are whole code points). */
const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
const key = fc.oneof(fc.constantFrom(...MEMBER_KEYS), text);
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text);

/** JSON values as a client, a row written with SQL or a cache may hold them, with the member names above as keys at every depth. */
export const jsonValue: fc.Arbitrary<Json> = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    scalar,
    fc.array(tie('json'), { maxLength: 5 }),
    fc.dictionary(key, tie('json'), { maxKeys: 6 }),
  ),
})).json;

/**
 * A value the api accepts as an item's value: anything but null, without the two keys it refuses
 * (`__proto__`, and `constructor` holding `prototype`; see the json-body parser).
 */
export const itemValue: fc.Arbitrary<Json> = jsonValue.filter((v) => v !== null && !hasRefusedKey(v));

export function hasRefusedKey(v: Json): boolean {
  if (typeof v !== 'object' || v === null) return false;
  return Object.entries(v).some(
    ([k, child]) =>
      k === '__proto__' ||
      (k === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) ||
      hasRefusedKey(child),
  );
}

/**
 * A copy of `value` that differs from it as JSON in exactly one place, chosen by `pick`: a scalar
 * replaced, an element appended to an array, or a key added to an object.
 */
export function mutated(value: Json, pick: number): Json {
  const copy = structuredClone(value);
  const nodes: { node: Json; set: (v: Json) => void }[] = [];
  let root = copy;
  const visit = (node: Json, set: (v: Json) => void) => {
    nodes.push({ node, set });
    if (Array.isArray(node)) node.forEach((child, i) => visit(child, (v) => (node[i] = v)));
    else if (typeof node === 'object' && node !== null)
      for (const [k, child] of Object.entries(node))
        visit(child, (v) => Object.defineProperty(node, k, { value: v, enumerable: true, writable: true }));
  };
  visit(copy, (v) => (root = v));
  const { node, set } = nodes[pick % nodes.length];
  if (Array.isArray(node)) node.push(null);
  else if (typeof node === 'object' && node !== null) {
    let k = 'mutated';
    while (Object.hasOwn(node, k)) k += '_';
    Object.defineProperty(node, k, { value: 0, enumerable: true, writable: true });
  } else
    set(
      typeof node === 'number' ? (node === 0 ? 1 : -node) : typeof node === 'string' ? `${node}x` : typeof node === 'boolean' ? !node : 0,
    );
  return root;
}
