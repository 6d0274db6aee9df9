'use strict';
const { randomBytes } = require('node:crypto');

// Random but plausible values for the shop's rows.

const FIRST = ['ada', 'alan', 'grace', 'edsger', 'barbara', 'donald', 'margaret', 'ken', 'frances', 'john', 'radia', 'leslie'];
const LAST = ['lovelace', 'turing', 'hopper', 'dijkstra', 'liskov', 'knuth', 'hamilton', 'thompson', 'allen', 'backus', 'perlman'];
const TIERS = ['free', 'free', 'free', 'pro', 'pro', 'enterprise'];
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];
const TENANTS = 12;

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const between = (min, max) => min + Math.floor(Math.random() * (max - min + 1));

/** A fresh, unique-enough address: "grace.hopper.9f8e7d6c5b@example.com". */
function randomEmail() {
  return `${pick(FIRST)}.${pick(LAST)}.${randomBytes(5).toString('hex')}@example.com`;
}

const randomTier = () => pick(TIERS);
const randomStatus = () => pick(STATUSES);
const randomTenant = () => between(1, TENANTS);

/** A money amount as PostgreSQL's numeric text, e.g. "42.07". */
const randomAmount = (min, max) => (between(min * 100, max * 100) / 100).toFixed(2);

/** A balance change that is never zero. */
const randomBalanceDelta = () => (Math.random() < 0.3 ? '-' : '') + randomAmount(0.01, 80);

function randomItems() {
  return Array.from({ length: between(1, 4) }, () => ({
    sku: `SKU-${String(between(1, 500)).padStart(4, '0')}`,
    qty: between(1, 3),
    price: Number(randomAmount(1, 120)),
  }));
}

/** The order total as numeric text. */
const totalOf = (items) => (items.reduce((cents, item) => cents + Math.round(item.price * 100) * item.qty, 0) / 100).toFixed(2);

module.exports = {
  randomEmail,
  randomTier,
  randomStatus,
  randomTenant,
  randomAmount,
  randomBalanceDelta,
  randomItems,
  totalOf,
  pick,
  between,
};
