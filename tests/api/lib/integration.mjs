// Fixture for the integration tests (issue 15): the complaint fixture plus an integration
// administrator (a role holding integration.manage, system family, defined and granted by the
// security admin) and helpers for subscriptions and the delivery log.

import assert from 'node:assert/strict';
import { uid } from './server.mjs';
import { complaintFixture } from './complaints.mjs';
import { securityAdmin, staff } from './fixtures.mjs';
import { waitFor } from './regulator.mjs';

export const FAST = { regulator_poll_ms: 100, regulator_lease_s: 5 };

export async function integrationFixture(srv, opts = {}) {
  const fx = await complaintFixture(srv, opts);
  const sec = await securityAdmin(fx.admin);
  const role = await sec.client.ok('POST', '/roles', {
    code: uid('integ_'), name: uid('集成管理员'), permissions: ['integration.manage'], data_scope: 'all',
  }, 201);
  fx.sec = sec;
  fx.integRole = role;
  fx.integ = await staff(srv, fx.admin, [role.id], { org_id: fx.root.id, sec });
  // Fast retries for the tests; the defaults are 1 s .. 10 min.
  await fx.integ.client.ok('PUT', '/integration/settings', { backoff_base_ms: 100, backoff_max_ms: 1000 });
  return fx;
}

/** Creates a subscription; returns it with its secret (shown once). */
export async function subscribe(client, body) {
  const s = await client.ok('POST', '/integration/subscriptions', { name: uid('订阅'), event_types: ['*'], ...body }, 201);
  assert.match(s.secret, /^whsec_/);
  return s;
}

/** Every delivery of the log matching query (all pages). */
export async function allDeliveries(client, query = '') {
  const out = [];
  for (let page = 1; ; page++) {
    const r = await client.ok('GET', `/integration/deliveries?page_size=200&page=${page}${query ? `&${query}` : ''}`);
    out.push(...r.items);
    if (out.length >= r.total || r.items.length === 0) return out;
  }
}

export async function waitSent(client, query, n, ms = 20000) {
  return waitFor(async () => {
    const d = await allDeliveries(client, query);
    return d.length >= n && d.every((x) => x.status === 'sent') && d;
  }, ms, `${n} deliveries sent (${query})`);
}
