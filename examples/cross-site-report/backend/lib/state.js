// What the backend remembers, per site:
//
//   registrations  (way 1)  cloudId -> {cloudId, installationId, installerAccountId,
//                                       webtriggerUrl, registeredAt}
//   installations  (way 2)  installationId -> {installationId, cloudId, apiBaseUrl,
//                                       systemToken, tokenReceivedAt, lastEvent}
//
// Each record belongs to one site and holds only that site's data; nothing here is a key
// that opens more than one site. Both maps are bounded (MAX_SITES); an optional state
// file (mode 0600, written atomically) keeps them across restarts. System tokens are
// short-lived (2-4 h) and are replaced by the one that comes with every later call from
// the platform.

import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export const MAX_SITES = 1000;

export class State {
  constructor(file) {
    this.file = file ?? null;
    this.registrations = new Map();
    this.installations = new Map();
    if (this.file && existsSync(this.file)) this.#load();
  }

  #load() {
    let data;
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read the state file ${this.file}: ${e.message}`);
    }
    for (const r of Array.isArray(data?.registrations) ? data.registrations.slice(0, MAX_SITES) : []) {
      if (r && typeof r.cloudId === 'string' && typeof r.webtriggerUrl === 'string') this.registrations.set(r.cloudId, r);
    }
    for (const i of Array.isArray(data?.installations) ? data.installations.slice(0, MAX_SITES) : []) {
      if (i && typeof i.installationId === 'string' && typeof i.cloudId === 'string') this.installations.set(i.installationId, i);
    }
  }

  #save() {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    const data = JSON.stringify({
      registrations: [...this.registrations.values()],
      installations: [...this.installations.values()],
    });
    writeFileSync(tmp, data, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  /** Adds or replaces the site's registration. false when the table is full. */
  register(rec) {
    if (!this.registrations.has(rec.cloudId) && this.registrations.size >= MAX_SITES) return false;
    this.registrations.set(rec.cloudId, rec);
    this.#save();
    return true;
  }

  /** Adds or replaces an installation (a new token replaces the old). false when full. */
  putInstallation(rec) {
    if (!this.installations.has(rec.installationId) && this.installations.size >= MAX_SITES) return false;
    // One installation per site: a re-install gets a new installationId; the old one's
    // token is dead, so its record goes.
    for (const [id, other] of this.installations) {
      if (other.cloudId === rec.cloudId && id !== rec.installationId) this.installations.delete(id);
    }
    this.installations.set(rec.installationId, rec);
    this.#save();
    return true;
  }

  removeInstallation(installationId) {
    const had = this.installations.delete(installationId);
    if (had) this.#save();
    return had;
  }

  listRegistrations() {
    return [...this.registrations.values()].sort((a, b) => a.cloudId.localeCompare(b.cloudId));
  }

  listInstallations() {
    return [...this.installations.values()].sort((a, b) => a.cloudId.localeCompare(b.cloudId));
  }
}

/** Remembers nonces until they expire, so that a signed request is accepted once. */
export class NonceCache {
  constructor({ ttlSeconds, max = 100_000 }) {
    this.ttlMs = ttlSeconds * 1000;
    this.max = max;
    this.seen = new Map(); // nonce -> expiry (ms), in insertion order
  }

  #sweep(now) {
    for (const [n, exp] of this.seen) {
      if (exp > now) break;
      this.seen.delete(n);
    }
  }

  /** 'ok' the first time, 'replayed' after, 'full' when it cannot remember more. */
  claim(nonce, now = Date.now()) {
    this.#sweep(now);
    if (this.seen.has(nonce)) return 'replayed';
    if (this.seen.size >= this.max) return 'full';
    this.seen.set(nonce, now + this.ttlMs);
    return 'ok';
  }
}
