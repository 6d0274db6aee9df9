'use strict';

/**
 * An in-process mutex per entity: operations on the same key run one after another, in arrival order.
 * The `correct` mode relies on it: a DB write and its cache work, and a read-through's read and fill,
 * never interleave for the same entity.
 */
class KeyedLock {
  constructor() {
    this.tails = new Map();
  }

  async run(key, fn) {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release;
    const mine = new Promise((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

module.exports = { KeyedLock };
