'use strict';
const fs = require('node:fs');

/**
 * The ground truth: which cache keys the app has left wrong, since when, and when it put them right.
 * Appends one JSON line per event to the truth file (if any) and keeps the wrong keys in memory.
 *
 *   {"at":"...","event":"wrong","key":"<full key>","mode":"...","reason":"...","expiresAt":"..."?}
 *   {"at":"...","event":"fixed","key":"<full key>","mode":"...","reason":"..."}
 */
class Truth {
  constructor({ file, mode }) {
    this.mode = mode;
    this.stream = file ? fs.createWriteStream(file, { flags: 'a' }) : null;
    this.writeError = null;
    this.stream?.on('error', (err) => (this.writeError = err));
    this.wrongKeys = new Map(); // key -> { entity, format, expiresAt, snapshot }
    this.byEntity = new Map(); // entity -> Set of keys
    this.wrongLogged = 0;
    this.fixedLogged = 0;
  }

  /** The wrong keys of one entity, as { key, format }. */
  tracked(entity) {
    const keys = this.byEntity.get(entity);
    return keys ? [...keys].map((key) => ({ key, format: this.wrongKeys.get(key).format })) : [];
  }

  isWrong(key) {
    return this.wrongKeys.has(key);
  }

  snapshot(key) {
    return this.wrongKeys.get(key)?.snapshot;
  }

  expiresAt(key) {
    return this.wrongKeys.get(key)?.expiresAt;
  }

  wrong({ key, format, entity, at, reason, expiresAt, snapshot }) {
    this.wrongKeys.set(key, { entity, format, expiresAt, snapshot });
    if (!this.byEntity.has(entity)) this.byEntity.set(entity, new Set());
    this.byEntity.get(entity).add(key);
    this.wrongLogged++;
    const event = { at: at.toISOString(), event: 'wrong', key, mode: this.mode, reason };
    if (expiresAt) event.expiresAt = expiresAt.toISOString();
    this.write(event);
  }

  /** A key that is still wrong but now holds another wrong value. */
  stillWrong(key, snapshot, expiresAt) {
    const record = this.wrongKeys.get(key);
    record.snapshot = snapshot;
    record.expiresAt = expiresAt;
  }

  fixed(key, at, reason) {
    const { entity } = this.wrongKeys.get(key);
    this.wrongKeys.delete(key);
    const keys = this.byEntity.get(entity);
    keys.delete(key);
    if (keys.size === 0) this.byEntity.delete(entity);
    this.fixedLogged++;
    this.write({ at: at.toISOString(), event: 'fixed', key, mode: this.mode, reason });
  }

  /** Keys left wrong and not fixed, leaving out those whose TTL has run out by `now`. */
  wrongNow(now = new Date()) {
    let count = 0;
    for (const { expiresAt } of this.wrongKeys.values()) if (!expiresAt || expiresAt > now) count++;
    return count;
  }

  write(event) {
    this.stream?.write(`${JSON.stringify(event)}\n`);
  }

  /** Flushes and closes the truth file. */
  close() {
    this.closed ??= this.stream ? new Promise((resolve) => this.stream.end(resolve)) : Promise.resolve();
    return this.closed.then(() => {
      if (this.writeError) throw this.writeError;
    });
  }
}

module.exports = { Truth };
