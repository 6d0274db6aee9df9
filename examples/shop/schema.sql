-- The shop's tables. Applied by `node examples/shop/shop.js setup`; safe to apply again.
CREATE SCHEMA IF NOT EXISTS shop;

CREATE TABLE IF NOT EXISTS shop.customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE,
  tier text NOT NULL,
  balance numeric(12, 2) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Order ids are unique across tenants; the app takes them from this sequence.
CREATE SEQUENCE IF NOT EXISTS shop.order_ids;

CREATE TABLE IF NOT EXISTS shop.orders (
  tenant_id int NOT NULL,
  id bigint NOT NULL,
  status text NOT NULL,
  total numeric(12, 2) NOT NULL,
  items jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
