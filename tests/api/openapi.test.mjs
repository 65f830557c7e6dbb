// docs/openapi.yaml and the server's route table must describe the same API: every route printed
// by `fcms routes` is documented with that method, and every documented API operation exists.
// The YAML is read with a line scanner: paths are the two-space-indented keys under `paths:`,
// methods the four-space-indented keys below them (the document keeps that layout on purpose).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, runFcms } from './lib/server.mjs';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const norm = (p) => p.replace(/\{[^}]*\}/g, '{}');

export function openapiOperations(text) {
  const ops = new Map();
  let inPaths = false;
  let current = null;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) { inPaths = /^paths:\s*$/.test(line); current = null; continue; }
    if (!inPaths) continue;
    let m = /^ {2}(\/[^:\s]*):\s*$/.exec(line);
    if (m) { current = m[1]; continue; }
    m = /^ {4}([a-z]+):\s*$/.exec(line);
    if (m && current && METHODS.includes(m[1])) ops.set(`${m[1].toUpperCase()} ${norm(current)}`, { path: current, method: m[1] });
  }
  return ops;
}

const doc = fs.readFileSync(path.join(REPO, 'docs/openapi.yaml'), 'utf8');

describe('openapi', () => {
  it('docs/openapi.yaml is OpenAPI 3.0.3 with servers [/], both security schemes and an Error schema', () => {
    assert.match(doc, /^openapi: 3\.0\.3$/m);
    assert.match(doc, /^servers:\n {2}- url: '?\/'?\s*$/m);
    assert.match(doc, /^ {4}cookieAuth:\n {6}type: '?apiKey'?\n {6}in: '?cookie'?\n {6}name: '?fcms_session'?$/m);
    assert.match(doc, /^ {4}csrfToken:\n {6}type: '?apiKey'?\n {6}in: '?header'?\n {6}name: '?X-CSRF-Token'?$/m);
    assert.match(doc, /^ {4}bearerAuth:\n {6}type: '?http'?\n {6}scheme: '?bearer'?$/m);
    assert.match(doc, /^ {4}Error:$/m);
    assert.ok(!/\t/.test(doc), 'no tabs in YAML');
  });

  it('every documented operation has responses and every $ref resolves', () => {
    const ops = openapiOperations(doc);
    assert.ok(ops.size >= 30, `documented operations: ${ops.size}`);
    const lines = doc.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^ {4}([a-z]+):\s*$/.exec(lines[i]);
      if (!m || !METHODS.includes(m[1])) continue;
      let j = i + 1;
      let hasResponses = false;
      while (j < lines.length && (/^ {5,}/.test(lines[j]) || lines[j].trim() === '')) {
        if (/^ {6}responses:\s*$/.test(lines[j])) hasResponses = true;
        j++;
      }
      assert.ok(hasResponses, `operation at line ${i + 1} (${lines[i].trim()}) has responses`);
    }
    const defined = new Set();
    let inComponents = false;
    let section = null;
    for (const l of lines) {
      if (/^\S/.test(l)) { inComponents = /^components:\s*$/.test(l); section = null; continue; }
      if (!inComponents) continue;
      const s = /^ {2}([A-Za-z]+):\s*$/.exec(l);
      if (s) { section = s[1]; continue; }
      const d = /^ {4}([A-Za-z0-9_.-]+):\s*$/.exec(l);
      if (d && section) defined.add(`#/components/${section}/${d[1]}`);
    }
    for (const m of doc.matchAll(/\$ref: '([^']+)'/g)) assert.ok(defined.has(m[1]), `$ref ${m[1]} is defined`);
  });

  // A concrete path from a spec (`/dictionaries/source_channel`) matches a template (`/dictionaries/{}`).
  const matches = (ops, method, p) => {
    if (ops.has(`${method} ${norm(p)}`)) return true;
    const segs = norm(p).split('/');
    for (const key of ops.keys()) {
      const [m, tp] = key.split(' ');
      const ts = tp.split('/');
      if (m === method && ts.length === segs.length && ts.every((t, i) => t === '{}' || t === segs[i])) return true;
    }
    return false;
  };

  for (const specFile of ['docs/api-platform.md', 'docs/api-complaints.md', 'docs/api-regulator.md']) {
    it(`every API path in ${specFile} is documented`, (t) => {
      const file = path.join(REPO, specFile);
      if (!fs.existsSync(file)) { t.skip(`${specFile} does not exist`); return; }
      const spec = fs.readFileSync(file, 'utf8');
      const ops = openapiOperations(doc);
      let n = 0;
      for (const m of spec.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[A-Za-z0-9_/{}.-]+)/g)) {
        const p = m[2].startsWith('/api/') || m[2] === '/healthz' || m[2] === '/metrics' ? m[2] : `/api/v1${m[2]}`;
        assert.ok(matches(ops, m[1], p), `${m[1]} ${p} documented`);
        n++;
      }
      assert.ok(n >= (specFile.includes('regulator') ? 8 : 10), `found ${n} operations in ${specFile}`);
    });
  }

  it('`fcms routes` and docs/openapi.yaml list the same operations', (t) => {
    const r = runFcms(['routes']);
    assert.equal(r.status, 0, `fcms routes exits 0: ${r.output}`);
    const routes = new Set();
    for (const line of r.stdout.split('\n')) {
      if (!line.trim()) continue;
      const m = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)$/.exec(line.trim());
      assert.ok(m, `route line "METHOD /path": ${JSON.stringify(line)}`);
      // Only the API and operations endpoints are documented; static files are not.
      if (m[2].startsWith('/api/') || m[2] === '/healthz' || m[2] === '/metrics') routes.add(`${m[1]} ${norm(m[2])}`);
    }
    assert.ok(routes.size > 0, 'fcms routes printed API routes');
    const ops = new Set(openapiOperations(doc).keys());
    const undocumented = [...routes].filter((x) => !ops.has(x)).sort();
    const unrouted = [...ops].filter((x) => !routes.has(x) && (x.includes(' /api/') || routes.has('GET /healthz'))).sort();
    assert.deepEqual(undocumented, [], 'routes missing from docs/openapi.yaml');
    assert.deepEqual(unrouted, [], 'documented operations the server does not route');
    t.diagnostic(`${routes.size} routes match the document`);
  });
});
