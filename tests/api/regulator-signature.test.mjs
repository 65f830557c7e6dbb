// Regulator batch signatures (issue 17), checked as the receiver would, with the `openssl` command
// line and nothing of fcms but `fcms keys public`: under gm the batch file is signed with SM2 (SM3,
// the GB/T 32918 default user id 1234567812345678) and the public key is a SubjectPublicKeyInfo
// PEM; under default it is Ed25519 and `keys public` wraps the raw 32-byte key into the same PEM
// form (RFC 8410), so a receiver hands it to openssl as it is. The signature verifies over the batch's exact bytes and
// fails once one byte of the batch changes. Uses the dir transport (file exchange), with no
// receiver running, so the batch stays in the outbox as written. Both profiles on each backend,
// whatever FCMS_TEST_CRYPTO says.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, runFcms } from './lib/server.mjs';
import { complaintFixture, createComplaint } from './lib/complaints.mjs';
import { waitFor } from './lib/regulator.mjs';

// The DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { AlgorithmIdentifier
// { 1.3.101.112 }, BIT STRING { 32 key bytes } }.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status, output: (r.stdout || '') + (r.stderr || '') };
}

/** Verifies sigFile over dataFile with pubPem under the profile, with the openssl CLI. */
function opensslVerify(profile, pubPem, sigFile, dataFile) {
  return profile === 'gm'
    ? openssl(['dgst', '-sm3', '-verify', pubPem, '-sigopt', 'distid:1234567812345678', '-signature', sigFile, dataFile])
    : openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pubPem, '-rawin', '-in', dataFile, '-sigfile', sigFile]);
}

describe('regulator batch signatures verify with `fcms keys public` and the openssl command line', () => {
  for (const profile of ['gm', 'default']) {
    it(`${profile}: ${profile === 'gm' ? 'SM2 with SM3' : 'Ed25519'} over the batch bytes; one changed byte fails`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-regsig-'));
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-regsig-check-'));
      const srv = await startServer({ crypto: profile, config: { regulator: `dir:${dir}`, regulator_poll_ms: 100, regulator_lease_s: 5 } });
      try {
        const fx = await complaintFixture(srv, { only: ['clerk'] });
        await createComplaint(fx.clerk.client, fx.branch.id);
        const outbox = path.join(dir, 'outbox');
        const manName = await waitFor(() => fs.readdirSync(outbox).find((f) => f.endsWith('.manifest.json')), 20000, 'a batch in the outbox');
        const man = JSON.parse(fs.readFileSync(path.join(outbox, manName), 'utf8'));
        const batch = fs.readFileSync(path.join(outbox, man.file));
        assert.equal(man.signed_with, profile, 'the manifest names the profile that signed it');
        assert.match(man.signature, /^[A-Za-z0-9+/]+=*$/, 'base64 signature');
        assert.ok(batch.length > 0 && batch.toString().includes('fcms-regulator/1'));

        const pub = runFcms(['keys', 'public', '--data', srv.dataDir, ...srv.dbArgs]);
        assert.equal(pub.status, 0, pub.output);
        const pubPem = path.join(work, 'pub.pem');
        // Under both profiles a SubjectPublicKeyInfo PEM that openssl reads as it is.
        assert.match(pub.stdout, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/, 'a SubjectPublicKeyInfo PEM');
        fs.writeFileSync(pubPem, pub.stdout);
        const text = openssl(['pkey', '-pubin', '-in', pubPem, '-text', '-noout']);
        assert.equal(text.status, 0, text.output);
        if (profile === 'gm') {
          assert.match(text.output, /ASN1 OID: SM2/, 'the key is on the SM2 curve');
        } else {
          assert.match(text.output, /ED25519 Public-Key/, 'an Ed25519 public key');
          const raw = fs.readFileSync(path.join(srv.dataDir, 'keys', 'sign-default.pub'), 'utf8').trim();
          const der = Buffer.from(pub.stdout.split('\n')[1], 'base64');
          assert.deepEqual(der.subarray(12), Buffer.from(raw, 'base64'), 'the PEM wraps the key the server signs with');
          assert.deepEqual(der.subarray(0, 12), ED25519_SPKI_PREFIX);
        }
        const sig = Buffer.from(man.signature, 'base64');
        if (profile === 'default') assert.equal(sig.length, 64, 'an Ed25519 signature');
        else assert.equal(sig[0], 0x30, 'an SM2 signature is the DER SEQUENCE of r and s');
        const sigFile = path.join(work, 'batch.sig');
        const dataFile = path.join(work, 'batch.jsonl');
        fs.writeFileSync(sigFile, sig);
        fs.writeFileSync(dataFile, batch);

        const ok = opensslVerify(profile, pubPem, sigFile, dataFile);
        assert.equal(ok.status, 0, `openssl verifies the batch: ${ok.output}`);
        assert.match(ok.output, /Verified OK|Signature Verified Successfully/);

        // One byte changed anywhere in the batch: the signature no longer verifies.
        for (const at of [0, batch.length >> 1, batch.length - 1]) {
          const bad = Buffer.from(batch);
          bad[at] ^= 0x01;
          fs.writeFileSync(dataFile, bad);
          const no = opensslVerify(profile, pubPem, sigFile, dataFile);
          assert.notEqual(no.status, 0, `byte ${at} changed must fail: ${no.output}`);
        }
      } finally {
        await srv.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
