'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Client, Pool } = require('pg');
const data = require('./data');

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/shop';
const BATCH = 1000;

const databaseUrl = () => process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

function createPool(max, applicationName) {
  return new Pool({ connectionString: databaseUrl(), max, application_name: applicationName });
}

/** Creates the database named in DATABASE_URL when it does not exist yet. */
async function ensureDatabase() {
  const url = new URL(databaseUrl());
  const probe = new Client({ connectionString: url.toString() });
  try {
    await probe.connect();
    return false;
  } catch (err) {
    if (err.code !== '3D000') throw err; // 3D000: invalid_catalog_name, the database does not exist
  } finally {
    await probe.end().catch(() => {});
  }
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if (err.code !== '42P04') throw err; // created by someone else meanwhile
  } finally {
    await admin.end();
  }
  return true;
}

async function applySchema(pool, { reset }) {
  if (reset) await pool.query('DROP TABLE IF EXISTS shop.orders, shop.customers; DROP SEQUENCE IF EXISTS shop.order_ids;');
  await pool.query(fs.readFileSync(path.join(__dirname, '..', 'schema.sql'), 'utf8'));
}

const count = async (pool, table) => Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

/** Tops the tables up to `customers` and `orders` rows, in batches; rows already there count. */
async function seed(pool, { customers, orders }) {
  const inserted = { customers: 0, orders: 0 };
  for (let missing = customers - (await count(pool, 'shop.customers')); missing > 0;) {
    const n = Math.min(missing, BATCH);
    const emails = Array.from({ length: n }, data.randomEmail);
    const tiers = emails.map(data.randomTier);
    const balances = emails.map(() => data.randomAmount(0, 500));
    const ages = emails.map(() => data.between(0, 365 * 24 * 3600));
    const res = await pool.query(
      `INSERT INTO shop.customers (email, tier, balance, created_at)
       SELECT e, t, b, now() - a * interval '1 second' FROM unnest($1::text[], $2::text[], $3::numeric[], $4::int[]) AS u(e, t, b, a)
       ON CONFLICT (email) DO NOTHING`,
      [emails, tiers, balances, ages],
    );
    inserted.customers += res.rowCount;
    missing -= res.rowCount;
  }
  for (let missing = orders - (await count(pool, 'shop.orders')); missing > 0;) {
    const n = Math.min(missing, BATCH);
    const tenants = Array.from({ length: n }, data.randomTenant);
    const statuses = tenants.map(data.randomStatus);
    const items = tenants.map(data.randomItems);
    const res = await pool.query(
      `INSERT INTO shop.orders (tenant_id, id, status, total, items)
       SELECT t, nextval('shop.order_ids'), s, tot, it FROM unnest($1::int[], $2::text[], $3::numeric[], $4::jsonb[]) AS u(t, s, tot, it)`,
      [tenants, statuses, items.map(data.totalOf), items.map((list) => JSON.stringify(list))],
    );
    inserted.orders += res.rowCount;
    missing -= res.rowCount;
  }
  return { customers: await count(pool, 'shop.customers'), orders: await count(pool, 'shop.orders'), inserted };
}

/** Every row of a table in primary-key order, a page at a time. */
async function* pages(pool, table) {
  const customers = table === 'customers';
  let last = null;
  for (;;) {
    const res = customers
      ? await pool.query(`SELECT * FROM shop.customers WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT ${BATCH}`, [last?.id ?? null])
      : await pool.query(
          `SELECT * FROM shop.orders WHERE $1::int IS NULL OR (tenant_id, id) > ($1, $2::bigint) ORDER BY tenant_id, id LIMIT ${BATCH}`,
          [last?.tenant_id ?? null, last?.id ?? null],
        );
    if (res.rows.length === 0) return;
    yield res.rows;
    last = res.rows[res.rows.length - 1];
  }
}

module.exports = { createPool, ensureDatabase, applySchema, seed, pages, databaseUrl };
