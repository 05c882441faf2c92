// Credentials are compared whole (docs/security.md "Credentials"): a decoded credential,
// email or identifier that matches a real one only up to a NUL byte, or only as a prefix,
// or with a suffix, is refused. Secrets are compared in constant time after a length
// check; identifiers (the Basic email) by their exact length.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, expectAuthFailure } from './lib/kiln.mjs';

let k;
let A;
let email;

before(async () => {
  k = await startKiln({ threads: 1 });
  A = await k.siteWithToken('cred-a');
  const me = await k.jira(A.cloudId, '/myself', { token: A.token });
  expectStatus(me, 200, 'myself');
  email = me.json.emailAddress;
  assert.match(email, /@/);
});

after(async () => {
  await k?.close();
});

const basic = (cred) => k.jira(A.cloudId, '/myself', { headers: { authorization: `Basic ${Buffer.from(cred, 'latin1').toString('base64')}` } });

describe('Basic auth compares the whole email', () => {
  it('the owner\'s email works (control), in any letter case', async () => {
    expectStatus(await basic(`${email}:${A.token}`), 200, 'exact email');
    expectStatus(await basic(`${email.toUpperCase()}:${A.token}`), 200, 'upper-case email (emails are case-insensitive)');
  });

  it('the email followed by a NUL and more is 401 FAILURE_CLIENT_AUTH', async () => {
    expectAuthFailure(await basic(`${email}\0junk:${A.token}`), 'email + NUL + junk');
    expectAuthFailure(await basic(`${email}\0:${A.token}`), 'email + NUL');
  });

  it('a prefix or an extension of the email is 401', async () => {
    expectAuthFailure(await basic(`${email.slice(0, -1)}:${A.token}`), 'email minus its last character');
    expectAuthFailure(await basic(`${email}x:${A.token}`), 'email plus a character');
    expectAuthFailure(await basic(`${email} :${A.token}`), 'email plus a space');
  });

  it('the token with a NUL or anything appended is 401', async () => {
    expectAuthFailure(await basic(`${email}:${A.token}\0`), 'token + NUL');
    expectAuthFailure(await basic(`${email}:${A.token}\0junk`), 'token + NUL + junk');
    expectAuthFailure(await basic(`${email}:${A.token}x`), 'token + x');
  });
});

describe('Bearer credentials are compared whole', () => {
  it('an admin token with one character more or less is 401', async () => {
    for (const t of [`${k.adminToken}x`, k.adminToken.slice(0, -1)]) {
      const r = await k.api('/admin/v1/sites', { token: t });
      expectStatus(r, 401, 'admin token variant');
    }
    expectStatus(await k.api('/admin/v1/sites', { token: k.adminToken }), 200, 'the admin token (control)');
  });

  it('a user token with one character more or less is 401', async () => {
    for (const t of [`${A.token}x`, A.token.slice(0, -1)]) {
      expectAuthFailure(await k.jira(A.cloudId, '/myself', { token: t }), 'user token variant');
    }
  });
});
