'use strict';

// The cache layout: which keys an entity has, what the app writes under them, and whether a stored value
// still says what the row says. Only the fields polaris.yaml maps are compared (displayName is extra).

const CUSTOMER_FIELDS = ['id', 'email', 'tier', 'balance', 'createdAt', 'updatedAt'];
const ORDER_FIELDS = ['tenantId', 'id', 'status', 'total', 'items', 'updatedAt'];

/** "ada.lovelace.1f2e3d4c@example.com" -> "Ada Lovelace": computed, not a column. */
function displayName(email) {
  const local = email.split('@')[0].split('.');
  const words = local.length > 1 ? local.slice(0, -1) : local;
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/** JSON with object keys sorted, so that equal documents compare equal whatever their key order. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

class Layout {
  constructor(prefix = '') {
    this.prefix = prefix;
  }

  customerKey(id) {
    return `${this.prefix}customer:${id}`;
  }

  profileKey(id) {
    return `${this.prefix}customer:${id}:profile`;
  }

  emailKey(email) {
    return `${this.prefix}customer:by-email:${email}`;
  }

  orderKey(tenantId, id) {
    return `${this.prefix}order:${tenantId}:${id}`;
  }

  statusKey(tenantId, id) {
    return `${this.prefix}order:${tenantId}:${id}:status`;
  }

  /** Every cache entry of a customer row, as the app writes it: { key, format, value, fields? }. */
  customerEntries(row) {
    const document = {
      id: row.id,
      email: row.email,
      tier: row.tier,
      balance: row.balance,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      displayName: displayName(row.email),
    };
    return [
      { key: this.customerKey(row.id), format: 'json', value: JSON.stringify(document), fields: CUSTOMER_FIELDS },
      { key: this.profileKey(row.id), format: 'hash', value: { email: row.email, tier: row.tier } },
      { key: this.emailKey(row.email), format: 'string', value: row.id },
    ];
  }

  /** Every cache entry of an order row. */
  orderEntries(row) {
    const document = {
      tenantId: row.tenant_id,
      id: row.id,
      status: row.status,
      total: row.total,
      items: row.items,
      updatedAt: row.updated_at,
    };
    return [
      { key: this.orderKey(row.tenant_id, row.id), format: 'json', value: JSON.stringify(document), fields: ORDER_FIELDS },
      { key: this.statusKey(row.tenant_id, row.id), format: 'string', value: row.status },
    ];
  }
}

/** Whether `stored` (GET's string, or HGETALL's object for a hash) says what `entry` says. */
function matches(entry, stored) {
  if (entry.format === 'string') return stored === entry.value;
  if (entry.format === 'hash') return Object.keys(entry.value).every((f) => stored[f] === entry.value[f]);
  let document;
  try {
    document = JSON.parse(stored);
  } catch {
    return false;
  }
  if (!document || typeof document !== 'object') return false;
  const expected = JSON.parse(entry.value);
  return entry.fields.every((f) => canonical(document[f]) === canonical(expected[f]));
}

module.exports = { Layout, matches, canonical, displayName };
