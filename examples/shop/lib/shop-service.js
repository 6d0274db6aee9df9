'use strict';
const { setTimeout: sleep } = require('node:timers/promises');
const { KeyedLock } = require('./lock');
const { matches, canonical } = require('./layout');
const data = require('./data');

const MODES = ['correct', 'stale-set', 'forget-old-key', 'skip-invalidate', 'sql'];

const CUSTOMER_UPDATES = {
  tier: 'tier = $2',
  balance: 'balance = c.balance + $2::numeric',
  email: 'email = $2',
};
const ORDER_UPDATES = {
  status: 'status = $3',
  total: 'total = $3::numeric',
  items: 'items = $3::jsonb, total = $4::numeric',
};

/**
 * The shop's data access: cache-aside over shop.customers and shop.orders. Reads go to Redis first and
 * fill every key of the entity on a miss; writes go to PostgreSQL, then delete (customers) or rewrite
 * (orders) the entity's keys. In a bug mode, a share of the operations takes the mode's buggy path, and
 * every key an operation leaves wrong is reported to `truth`.
 */
class ShopService {
  constructor({ db, sqlConsole, redis, layout, truth, mode, bugRate, ttlSeconds, jitterMs = 0 }) {
    if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}`);
    Object.assign(this, { db, sqlConsole, redis, layout, truth, mode, bugRate, ttlSeconds, jitterMs });
    this.locks = new KeyedLock();
  }

  /** Whether this operation takes the buggy path: `eligible` ones do, at the bug rate, outside `correct`. */
  buggy(eligible) {
    return this.mode !== 'correct' && eligible && Math.random() < this.bugRate;
  }

  // ---- reads (read-through) ----

  /** Reads customer:{id} (view 'json') or customer:{id}:profile (view 'profile'). */
  async readCustomer(id, view) {
    const stored =
      view === 'profile' ? await this.redis.hgetall(this.layout.profileKey(id)) : await this.redis.get(this.layout.customerKey(id));
    if (view === 'profile' ? Object.keys(stored).length > 0 : stored !== null) return { hit: true };
    return this.fillCustomer(id);
  }

  /** Reads customer:by-email:{email}, then the customer it points to. */
  async readCustomerByEmail(email) {
    const id = await this.redis.get(this.layout.emailKey(email));
    if (id !== null) {
      await this.readCustomer(id, 'json');
      return { hit: true };
    }
    const res = await this.db.query('SELECT id FROM shop.customers WHERE email = $1', [email]);
    if (res.rows.length === 0) return { hit: false, found: false };
    return this.fillCustomer(res.rows[0].id);
  }

  /** Reads order:{tenant}:{id} (view 'json') or order:{tenant}:{id}:status (view 'status'). */
  async readOrder(tenantId, id, view) {
    const key = view === 'status' ? this.layout.statusKey(tenantId, id) : this.layout.orderKey(tenantId, id);
    if ((await this.redis.get(key)) !== null) return { hit: true };
    return this.locked(orderEntity(tenantId, id), async () => {
      const op = newOp();
      const row = await this.selectOrder(tenantId, id);
      await this.pause();
      if (row) await this.fill(op, this.layout.orderEntries(row));
      await this.settle(op, orderEntity(tenantId, id), row ? this.layout.orderEntries(row) : [], [], null);
      return { hit: false, found: Boolean(row) };
    });
  }

  /** A miss: reads the row under the entity's lock and fills every key of it. */
  fillCustomer(id) {
    return this.locked(customerEntity(id), async () => {
      const op = newOp();
      const row = await this.selectCustomer(id);
      await this.pause();
      if (row) await this.fill(op, this.layout.customerEntries(row));
      await this.settle(op, customerEntity(id), row ? this.layout.customerEntries(row) : [], [], null);
      return { hit: false, found: Boolean(row) };
    });
  }

  // ---- writes ----

  /** Changes a customer's tier, balance or email. Returns { found, buggy, row }. */
  updateCustomer(id, kind) {
    const value = kind === 'tier' ? data.randomTier() : kind === 'balance' ? data.randomBalanceDelta() : data.randomEmail();
    const entity = customerEntity(id);
    return this.locked(entity, async () => {
      const op = newOp();
      const buggy = this.buggy(this.mode !== 'forget-old-key' || kind === 'email');
      const racingRead = buggy && this.mode === 'stale-set' ? await this.selectCustomer(id) : null;
      const client = buggy && this.mode === 'sql' ? this.sqlConsole : this.db;
      const res = await client.query(
        `WITH old AS (SELECT id, email FROM shop.customers WHERE id = $1 FOR UPDATE)
         UPDATE shop.customers c SET ${CUSTOMER_UPDATES[kind]}, updated_at = now() FROM old WHERE c.id = old.id
         RETURNING c.*, old.email AS old_email`,
        [id, value],
      );
      if (res.rows.length === 0) return { found: false, buggy: false };
      const { old_email: oldEmail, ...row } = res.rows[0];
      op.wrongAt = new Date();
      await this.pause();
      const noCacheWork = buggy && (this.mode === 'skip-invalidate' || this.mode === 'sql');
      if (!noCacheWork) {
        const keys = [this.layout.customerKey(id), this.layout.profileKey(id)];
        const forget = buggy && this.mode === 'forget-old-key';
        if (oldEmail !== row.email && !forget) keys.push(this.layout.emailKey(oldEmail));
        await this.drop(op, keys);
      }
      if (racingRead) {
        await this.fill(op, this.layout.customerEntries(racingRead));
        op.wrongAt = new Date();
      }
      const before = this.layout.customerEntries({ ...row, email: oldEmail });
      await this.settle(op, entity, this.layout.customerEntries(row), before, buggy ? this.reason(`customer ${kind}`) : null);
      return { found: true, buggy, row, oldEmail };
    });
  }

  /** Changes an order's status, total or items. Returns { found, buggy, row }. */
  updateOrder(tenantId, id, kind) {
    const items = data.randomItems();
    const params =
      kind === 'status'
        ? [tenantId, id, data.randomStatus()]
        : kind === 'total'
          ? [tenantId, id, data.randomAmount(1, 900)]
          : [tenantId, id, JSON.stringify(items), data.totalOf(items)];
    const entity = orderEntity(tenantId, id);
    return this.locked(entity, async () => {
      const op = newOp();
      const buggy = this.buggy(this.mode !== 'forget-old-key');
      const racingRead = buggy && this.mode === 'stale-set' ? await this.selectOrder(tenantId, id) : null;
      const client = buggy && this.mode === 'sql' ? this.sqlConsole : this.db;
      const res = await client.query(
        `UPDATE shop.orders SET ${ORDER_UPDATES[kind]}, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        params,
      );
      if (res.rows.length === 0) return { found: false, buggy: false };
      const row = res.rows[0];
      op.wrongAt = new Date();
      await this.pause();
      const noCacheWork = buggy && (this.mode === 'skip-invalidate' || this.mode === 'sql');
      if (!noCacheWork) await this.fill(op, this.layout.orderEntries(row));
      if (racingRead) {
        await this.fill(op, this.layout.orderEntries(racingRead));
        op.wrongAt = new Date();
      }
      await this.settle(op, entity, this.layout.orderEntries(row), [], buggy ? this.reason(`order ${kind}`) : null);
      return { found: true, buggy, row };
    });
  }

  /** A new customer; cache-aside, so its keys appear on the first read. */
  async insertCustomer() {
    const res = await this.db.query('INSERT INTO shop.customers (email, tier, balance) VALUES ($1, $2, $3) RETURNING *', [
      data.randomEmail(),
      data.randomTier(),
      data.randomAmount(0, 100),
    ]);
    return res.rows[0];
  }

  async insertOrder() {
    const items = data.randomItems();
    const res = await this.db.query(
      `INSERT INTO shop.orders (tenant_id, id, status, total, items) VALUES ($1, nextval('shop.order_ids'), 'pending', $2, $3) RETURNING *`,
      [data.randomTenant(), data.totalOf(items), JSON.stringify(items)],
    );
    return res.rows[0];
  }

  /** Deletes the row, then every key of it. */
  deleteCustomer(id) {
    const entity = customerEntity(id);
    return this.locked(entity, async () => {
      const op = newOp();
      const res = await this.db.query('DELETE FROM shop.customers WHERE id = $1 RETURNING *', [id]);
      if (res.rows.length === 0) return null;
      await this.pause();
      const entries = this.layout.customerEntries(res.rows[0]);
      await this.drop(
        op,
        entries.map((e) => e.key),
      );
      await this.settle(op, entity, [], entries, null);
      return res.rows[0];
    });
  }

  deleteOrder(tenantId, id) {
    const entity = orderEntity(tenantId, id);
    return this.locked(entity, async () => {
      const op = newOp();
      const res = await this.db.query('DELETE FROM shop.orders WHERE tenant_id = $1 AND id = $2 RETURNING *', [tenantId, id]);
      if (res.rows.length === 0) return null;
      await this.pause();
      const entries = this.layout.orderEntries(res.rows[0]);
      await this.drop(
        op,
        entries.map((e) => e.key),
      );
      await this.settle(op, entity, [], entries, null);
      return res.rows[0];
    });
  }

  /** Fills the cache with every entry of one row (outside any lock: only before the load starts). */
  warm(entries) {
    return this.fill(newOp(), entries);
  }

  // ---- plumbing ----

  /** Runs `fn` under the entity's lock, after noting which of its wrong keys were changed by someone else. */
  locked(entity, fn) {
    return this.locks.run(entity, async () => {
      await this.precheck(entity);
      return fn();
    });
  }

  /**
   * A wrong key of the entity that is gone, or holds another value than the app left there, was changed
   * outside the app (expired, or healed by Polaris, say): it is no longer the app's lie. Logged as fixed,
   * at its expiry if that explains it, else now (when the app noticed).
   */
  async precheck(entity) {
    const tracked = this.truth.tracked(entity);
    if (tracked.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { key, format } of tracked) {
      if (format === 'hash') pipeline.hgetall(key);
      else pipeline.get(key);
    }
    const results = await pipeline.exec();
    throwFirst(results);
    const now = new Date();
    tracked.forEach(({ key, format }, i) => {
      const stored = results[i][1];
      const exists = format === 'hash' ? Object.keys(stored).length > 0 : stored !== null;
      if (!exists) this.truth.fixed(key, this.expiredBy(key, now), 'found gone: expired or deleted outside the app');
      else if (canonical(stored) !== this.truth.snapshot(key)) this.truth.fixed(key, now, 'found rewritten outside the app');
    });
  }

  /** Up to --jitter ms of "other work" between a DB step and its cache step, as a busier app would have. */
  pause() {
    return this.jitterMs > 0 ? sleep(Math.random() * this.jitterMs) : undefined;
  }

  async selectCustomer(id) {
    return (await this.db.query('SELECT * FROM shop.customers WHERE id = $1', [id])).rows[0] ?? null;
  }

  async selectOrder(tenantId, id) {
    return (await this.db.query('SELECT * FROM shop.orders WHERE tenant_id = $1 AND id = $2', [tenantId, id])).rows[0] ?? null;
  }

  reason(what) {
    switch (this.mode) {
      case 'stale-set':
        return `stale-set: a read-through read the row before an update (${what}) and filled the cache after the update's invalidation`;
      case 'forget-old-key':
        return 'forget-old-key: the email changed and the old by-email key was not deleted';
      case 'skip-invalidate':
        return `skip-invalidate: ${what} updated without touching the cache`;
      default:
        return `sql: ${what} changed by plain SQL, no cache work`;
    }
  }

  /** When a wrong key found gone went: at its expiry if that has passed, else (deleted) now. */
  expiredBy(key, now) {
    const expiresAt = this.truth.expiresAt(key);
    return expiresAt && expiresAt <= now ? expiresAt : now;
  }

  async fill(op, entries) {
    const multi = this.redis.multi();
    for (const e of entries) {
      if (e.format === 'hash') {
        multi.del(e.key);
        multi.hset(e.key, e.value);
        if (this.ttlSeconds > 0) multi.expire(e.key, this.ttlSeconds);
      } else if (this.ttlSeconds > 0) {
        multi.set(e.key, e.value, 'EX', this.ttlSeconds);
      } else {
        multi.set(e.key, e.value);
      }
    }
    throwFirst(await multi.exec());
    op.cacheAt = new Date();
    for (const e of entries) op.touched.add(e.key);
  }

  async drop(op, keys) {
    await this.redis.del(...keys);
    op.cacheAt = new Date();
    for (const key of keys) op.touched.add(key);
  }

  /**
   * After an operation on `entity` (under its lock): reads back the entity's keys (those of the row now,
   * `others` it had before, and those already known wrong) and reports to the truth each that became
   * wrong (it exists and differs from the row) or right again. Skipped for a correct operation on an
   * entity with no wrong key: there is nothing to report.
   */
  async settle(op, entity, current, others, reason) {
    const tracked = this.truth.tracked(entity);
    if (!reason && tracked.length === 0) return;
    const expected = new Map(current.map((e) => [e.key, e]));
    const candidates = new Map();
    for (const e of [...current, ...others, ...tracked]) if (!candidates.has(e.key)) candidates.set(e.key, e.format);
    const keys = [...candidates.keys()];
    const pipeline = this.redis.pipeline();
    for (const key of keys) {
      if (candidates.get(key) === 'hash') pipeline.hgetall(key);
      else pipeline.get(key);
      pipeline.pttl(key);
    }
    const results = await pipeline.exec();
    throwFirst(results);
    const now = new Date();
    keys.forEach((key, i) => {
      const stored = results[2 * i][1];
      const pttl = results[2 * i + 1][1];
      const format = candidates.get(key);
      const exists = format === 'hash' ? Object.keys(stored).length > 0 : stored !== null;
      const want = expected.get(key);
      const wrong = exists && (!want || !matches(want, stored));
      const snapshot = exists ? canonical(stored) : null;
      const expiresAt = pttl > 0 ? new Date(now.getTime() + pttl) : undefined;
      if (this.truth.isWrong(key)) {
        if (wrong) this.truth.stillWrong(key, snapshot, expiresAt);
        else if (op.touched.has(key)) this.truth.fixed(key, op.cacheAt, exists ? 'overwritten' : 'deleted');
        else if (!exists) this.truth.fixed(key, this.expiredBy(key, now), 'found gone: expired or deleted outside the app');
        else if (snapshot === this.truth.snapshot(key))
          this.truth.fixed(key, op.wrongAt ?? now, 'the row changed to match the cached value');
        else this.truth.fixed(key, now, 'found rewritten outside the app');
      } else if (wrong) {
        const why = reason ?? 'a correct operation left the key wrong (a bug in the example)';
        this.truth.wrong({ key, format, entity, at: op.wrongAt ?? op.cacheAt ?? now, reason: why, expiresAt, snapshot });
      }
    });
  }
}

const customerEntity = (id) => `customer:${id}`;
const orderEntity = (tenantId, id) => `order:${tenantId}:${id}`;
const newOp = () => ({ touched: new Set(), wrongAt: null, cacheAt: null });

function throwFirst(results) {
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
}

module.exports = { ShopService, MODES };
