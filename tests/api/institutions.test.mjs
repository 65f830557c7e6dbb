// Institutions (机构管理): the 总行→分行→支行→网点 tree, code validation, move, delete guards,
// disable.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, anonymous, uid, hasChinese } from './lib/server.mjs';
import { adminLogin, rootOrg, createOrg, createUser, listAll, finCode } from './lib/fixtures.mjs';

const FIELDS = ['id', 'parent_id', 'name', 'internal_code', 'fin_code', 'region_code', 'type', 'address',
  'status', 'sort', 'path', 'created_at', 'updated_at'];

describe('institutions', () => {
  let srv;
  let admin;
  let root;
  let branch;
  let sub;
  let outlet;
  const valid = (over = {}) => ({
    parent_id: root.id, name: uid('分行-'), internal_code: uid('IC_'), fin_code: finCode(), region_code: '110101', type: 'branch', ...over,
  });
  const count = async () => (await listAll(admin, '/institutions')).total;

  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    root = await rootOrg(admin);
  });
  after(async () => { await srv?.stop(); });

  it('fcms init made one root 总行 of type head_office', async () => {
    assert.equal(root.type, 'head_office');
    assert.equal(root.status, 'active');
    for (const k of FIELDS) assert.ok(k in root, `Institution.${k}`);
  });

  it('unauthenticated reads → 401', async () => {
    assertError(await anonymous(srv.base).get('/institutions'), 401, 'unauthenticated');
    assertError(await anonymous(srv.base).get(`/institutions/${root.id}`), 401, 'unauthenticated');
  });

  it('a second root → 409 root_exists', async () => {
    const n = await count();
    assertError(await admin.post('/institutions', valid({ parent_id: null, type: 'head_office' })), 409, 'root_exists');
    assert.equal(await count(), n);
  });

  it('creates 分行 → 支行 → 网点 under the root (201, fields echoed)', async () => {
    const body = valid({ name: '北京分行', address: '北京市东城区', sort: 3 });
    const r = await admin.post('/institutions', body);
    assert.equal(r.status, 201, r.text);
    branch = r.json;
    for (const k of FIELDS) assert.ok(k in branch, `Institution.${k}`);
    for (const k of ['parent_id', 'name', 'internal_code', 'fin_code', 'region_code', 'type', 'address', 'sort']) {
      assert.deepEqual(branch[k], body[k], `field ${k}`);
    }
    assert.equal(branch.status, 'active');
    assert.ok(Number.isInteger(branch.created_at) && branch.created_at > 1.6e12);
    sub = await createOrg(admin, branch.id, { type: 'sub_branch', name: '东城支行' });
    outlet = await createOrg(admin, sub.id, { type: 'outlet', name: '王府井网点' });
    assert.equal(sub.parent_id, branch.id);
    assert.equal(outlet.parent_id, sub.id);
    const got = await admin.ok('GET', `/institutions/${outlet.id}`);
    assert.equal(got.name, '王府井网点');
  });

  it('paths nest and the flat list is ordered by path', async () => {
    assert.ok(branch.path.startsWith(root.path) && branch.path !== root.path, `${branch.path} under ${root.path}`);
    assert.ok(sub.path.startsWith(branch.path) && sub.path !== branch.path);
    assert.ok(outlet.path.startsWith(sub.path) && outlet.path !== sub.path);
    const list = await listAll(admin, '/institutions');
    const paths = list.items.map((o) => o.path);
    assert.deepEqual(paths, [...paths].sort(), 'ordered by path');
    const idx = (o) => list.items.findIndex((x) => x.id === o.id);
    assert.ok(idx(root) < idx(branch) && idx(branch) < idx(sub) && idx(sub) < idx(outlet));
  });

  it('q filters by name', async () => {
    const r = await admin.ok('GET', `/institutions?q=${encodeURIComponent('王府井')}`);
    assert.equal(r.total, 1);
    assert.equal(r.items[0].id, outlet.id);
  });

  // Empty strings may count as missing (missing_field) or malformed (invalid_field): the spec
  // does not say which, so either passes; everything else must be invalid_field.
  for (const [why, over, field, codes = ['invalid_field']] of [
    ['fin_code of 13 chars', { fin_code: 'A'.repeat(13) }, 'fin_code'],
    ['fin_code of 15 chars', { fin_code: 'A'.repeat(15) }, 'fin_code'],
    ['lower-case fin_code', { fin_code: 'abcdefghijklmn' }, 'fin_code'],
    ['fin_code with a symbol', { fin_code: 'ABCDEFGHIJKL-1' }, 'fin_code'],
    ['region_code of 5 digits', { region_code: '11010' }, 'region_code'],
    ['region_code with letters', { region_code: '11010A' }, 'region_code'],
    ['internal_code with a space', { internal_code: 'bad code' }, 'internal_code'],
    ['internal_code of 33 chars', { internal_code: 'a'.repeat(33) }, 'internal_code'],
    ['empty internal_code', { internal_code: '' }, 'internal_code', ['invalid_field', 'missing_field']],
    ['unknown type', { type: 'bank' }, 'type'],
    ['name as a number', { name: 42 }, 'name'],
    ['empty name', { name: '' }, 'name', ['invalid_field', 'missing_field']],
    ['parent_id as a string', { parent_id: 'root' }, 'parent_id'],
  ]) {
    it(`${why} → 400 ${codes.join('/')} (field ${field}), nothing written`, async () => {
      const n = await count();
      const r = await admin.post('/institutions', valid(over));
      assertError(r, 400, undefined, field);
      assert.ok(codes.includes(r.json.error.code), r.text);
      assert.equal(await count(), n);
    });
  }

  it('missing required fields → 400 missing_field naming the field', async () => {
    for (const f of ['name', 'internal_code', 'fin_code', 'region_code', 'type']) {
      const body = valid();
      delete body[f];
      assertError(await admin.post('/institutions', body), 400, 'missing_field', f);
    }
  });

  it('a parent that does not exist → 4xx, nothing written', async () => {
    const n = await count();
    const r = await admin.post('/institutions', valid({ parent_id: 987654321 }));
    assert.ok(r.status === 400 || r.status === 404 || r.status === 409, `got ${r.status} ${r.text}`);
    assert.equal(await count(), n);
  });

  it('duplicate internal_code or fin_code → 409 duplicate_code', async () => {
    const n = await count();
    assertError(await admin.post('/institutions', valid({ internal_code: branch.internal_code })), 409, 'duplicate_code');
    assertError(await admin.post('/institutions', valid({ fin_code: branch.fin_code })), 409, 'duplicate_code');
    assertError(await admin.patch(`/institutions/${sub.id}`, { fin_code: branch.fin_code }), 409, 'duplicate_code');
    assert.equal(await count(), n);
  });

  it('PATCH changes the given fields only and bumps updated_at', async () => {
    const before = await admin.ok('GET', `/institutions/${sub.id}`);
    const r = await admin.ok('PATCH', `/institutions/${sub.id}`, { name: '东城支行（更名）', address: '东城区1号' });
    assert.equal(r.name, '东城支行（更名）');
    assert.equal(r.address, '东城区1号');
    assert.equal(r.fin_code, before.fin_code);
    assert.equal(r.parent_id, before.parent_id);
    assert.ok(r.updated_at >= before.updated_at);
    assertError(await admin.patch(`/institutions/${sub.id}`, { fin_code: 'short' }), 400, 'invalid_field', 'fin_code');
    assertError(await admin.patch(`/institutions/${sub.id}`, { parent_id: root.id }), 400, 'unknown_field', 'parent_id');
  });

  it('GET/PATCH an unknown id → 404 not_found', async () => {
    assertError(await admin.get('/institutions/987654321'), 404, 'not_found');
    assertError(await admin.patch('/institutions/987654321', { name: 'x' }), 404, 'not_found');
  });

  it('move 支行 under another 分行: the subtree follows', async () => {
    const branch2 = await createOrg(admin, root.id, { type: 'branch', name: '上海分行', region_code: '310101' });
    const r = await admin.ok('POST', `/institutions/${sub.id}/move`, { parent_id: branch2.id });
    assert.equal(r.parent_id, branch2.id);
    assert.ok(r.path.startsWith(branch2.path));
    const o = await admin.ok('GET', `/institutions/${outlet.id}`);
    assert.equal(o.parent_id, sub.id);
    assert.ok(o.path.startsWith(r.path), `outlet path ${o.path} follows ${r.path}`);
    sub = r;
    await admin.ok('POST', `/institutions/${sub.id}/move`, { parent_id: branch.id });
  });

  it('move into its own subtree, onto itself, or moving the root → 409 invalid_move', async () => {
    assertError(await admin.post(`/institutions/${branch.id}/move`, { parent_id: outlet.id }), 409, 'invalid_move');
    assertError(await admin.post(`/institutions/${branch.id}/move`, { parent_id: branch.id }), 409, 'invalid_move');
    assertError(await admin.post(`/institutions/${root.id}/move`, { parent_id: branch.id }), 409, 'invalid_move');
    assert.equal((await admin.ok('GET', `/institutions/${branch.id}`)).parent_id, root.id);
  });

  it('delete with children → 409 institution_has_children with a Chinese reason', async () => {
    const r = await admin.del(`/institutions/${branch.id}`);
    assertError(r, 409, 'institution_has_children');
    assert.ok(hasChinese(r.json.error.message));
    assert.equal((await admin.ok('GET', `/institutions/${branch.id}`)).id, branch.id);
  });

  it('delete with users → 409 institution_has_users', async () => {
    await createUser(admin, { org_id: outlet.id, roles: ['registrar'] });
    const r = await admin.del(`/institutions/${outlet.id}`);
    assertError(r, 409, 'institution_has_users');
    assert.ok(hasChinese(r.json.error.message));
  });

  it('the root cannot be deleted', async () => {
    const r = await admin.del(`/institutions/${root.id}`);
    assert.equal(r.status, 409, r.text);
  });

  it('disable instead: status disabled, listed by status filter, enable again', async () => {
    const r = await admin.ok('PATCH', `/institutions/${outlet.id}`, { status: 'disabled' });
    assert.equal(r.status, 'disabled');
    const dis = await listAll(admin, '/institutions?status=disabled');
    assert.ok(dis.items.some((o) => o.id === outlet.id));
    assert.ok(dis.items.every((o) => o.status === 'disabled'));
    const act = await listAll(admin, '/institutions?status=active');
    assert.ok(!act.items.some((o) => o.id === outlet.id));
    assertError(await admin.patch(`/institutions/${outlet.id}`, { status: 'gone' }), 400, 'invalid_field', 'status');
  });

  it('a leaf without users is deleted → 200 {ok:true}, then 404', async () => {
    const leaf = await createOrg(admin, sub.id, { type: 'outlet' });
    const n = await count();
    const r = await admin.del(`/institutions/${leaf.id}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { ok: true });
    assertError(await admin.get(`/institutions/${leaf.id}`), 404, 'not_found');
    assert.equal(await count(), n - 1);
  });
});
