'use strict';
const { setTimeout: sleep } = require('node:timers/promises');

// The load loop: C workers, each running one random operation after another on random existing rows,
// until the deadline, the op budget, or a stop request.

const MIN_ROWS = 10; // deletes stop below this many rows of a table

/** A set of entities with O(1) add, remove and random pick. */
class RandomSet {
  constructor() {
    this.items = [];
    this.index = new Map();
  }

  get size() {
    return this.items.length;
  }

  /** Adds `item`, identified by `item.key`. */
  add(item) {
    if (this.index.has(item.key)) return;
    this.index.set(item.key, this.items.length);
    this.items.push(item);
  }

  remove(key) {
    const i = this.index.get(key);
    if (i === undefined) return;
    const last = this.items.pop();
    this.index.delete(key);
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last.key, i);
    }
  }

  /** A random item among the first `hot` ones (all of them by default). */
  random(hot = Infinity) {
    return this.items[Math.floor(Math.random() * Math.min(hot, this.items.length))];
  }
}

const customerItem = (row) => ({ key: row.id, id: row.id, email: row.email });
const orderItem = (row) => ({ key: `${row.tenant_id}:${row.id}`, tenantId: row.tenant_id, id: row.id });

/** Picks and runs one operation; returns its type and what happened. */
async function runOne(service, customers, orders, hot, stats) {
  const onCustomer = orders.size === 0 || (customers.size > 0 && Math.random() < 0.5);
  const set = onCustomer ? customers : orders;
  const r = Math.random();
  const type = set.size === 0 ? 'insert' : r < 0.7 ? 'read' : r < 0.95 ? 'update' : r < 0.98 || set.size <= MIN_ROWS ? 'insert' : 'delete';
  const target = set.size ? set.random(hot) : null;

  if (type === 'read') {
    let result;
    if (onCustomer) {
      const v = Math.random();
      result =
        v < 0.3 ? await service.readCustomerByEmail(target.email) : await service.readCustomer(target.id, v < 0.65 ? 'json' : 'profile');
    } else {
      result = await service.readOrder(target.tenantId, target.id, Math.random() < 0.6 ? 'json' : 'status');
    }
    if (!result.hit) stats.readMisses++;
  } else if (type === 'update') {
    let result;
    if (onCustomer) {
      const u = Math.random();
      const kind = u < 0.1 ? 'email' : u < 0.55 ? 'tier' : 'balance';
      result = await service.updateCustomer(target.id, kind);
      if (result.found && kind === 'email') {
        target.email = result.row.email;
        stats.emailChanges++;
      }
    } else {
      const u = Math.random();
      result = await service.updateOrder(target.tenantId, target.id, u < 0.5 ? 'status' : u < 0.75 ? 'total' : 'items');
    }
    if (result.buggy) stats.buggy++;
  } else if (type === 'insert') {
    if (onCustomer) customers.add(customerItem(await service.insertCustomer()));
    else orders.add(orderItem(await service.insertOrder()));
  } else {
    set.remove(target.key);
    if (onCustomer) await service.deleteCustomer(target.id);
    else await service.deleteOrder(target.tenantId, target.id);
  }
  stats.ops[type]++;
}

/**
 * Runs `concurrency` workers until `deadline` (ms since epoch), `maxOps` operations started, or
 * `shouldStop()`; `hot` narrows the rows operated on to that many per table (contention). Errors are
 * counted (and the first few printed to stderr), not fatal.
 */
async function runLoad({ service, customers, orders, concurrency, hot = Infinity, deadline, maxOps, shouldStop }) {
  const stats = { ops: { read: 0, update: 0, insert: 0, delete: 0 }, readMisses: 0, emailChanges: 0, buggy: 0, errors: 0 };
  let started = 0;
  const worker = async () => {
    while (!shouldStop() && started < maxOps && Date.now() < deadline) {
      started++;
      try {
        await runOne(service, customers, orders, hot, stats);
      } catch (err) {
        stats.errors++;
        if (stats.errors <= 5) process.stderr.write(`shop: operation failed: ${err.message}\n`);
        await sleep(50); // so that a server that is down does not turn the loop into a busy spin
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return stats;
}

module.exports = { runLoad, RandomSet, customerItem, orderItem };
