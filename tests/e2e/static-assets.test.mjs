// Static assets over a slow branch WAN (issue 12 item 15): precompressed brotli/gzip chosen from
// Accept-Encoding, Vary, ETag with 304, a year's `immutable` cache for hashed /assets/ and
// no-cache for index.html; and the bytes a first visit costs, read from Chromium's network log
// (CDP Network.loadingFinished encodedDataLength, i.e. what crossed the wire, headers included).
// The numbers are printed as "first-visit bytes ..." lines for the report.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import zlib from 'node:zlib'
import path from 'node:path'
import http from 'node:http'
import { WEB, SHOTS, ADMIN_PASSWORD, startFcms, launchBrowser, signIn } from './lib.mjs'

/** GET with raw bytes (fetch would decode the body): {status, headers, body}. */
function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

let fcms = null
let base = ''

before(async () => { fcms = await startFcms('fcms-e2e-static-') ; base = fcms.base })
after(async () => { if (fcms) await fcms.stop() })

/** Bytes on the wire for a cold first visit: the login page, then signing in and landing on
 *  `landing` (a hash route). Returns {login, total, chart} where chart counts echarts' chunk. */
async function firstVisit(label, { encoding } = {}) {
  const { context, page, profileDir } = await launchBrowser('fcms-e2e-static-prof-')
  try {
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    if (encoding) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': encoding } })
    const urls = new Map()
    const sizes = []
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url))
    cdp.on('Network.loadingFinished', (e) => sizes.push({ url: urls.get(e.requestId) || '', bytes: e.encodedDataLength }))
    const sum = (f = () => true) => sizes.filter((s) => f(s.url)).reduce((a, s) => a + s.bytes, 0)
    await page.goto(`${base}/#/login`)
    await page.waitForLoadState('networkidle')
    const login = sum()
    await signIn(page, base, 'admin', ADMIN_PASSWORD)
    await page.locator('canvas').first().waitFor() // the home page's 机构分布 chart
    await page.waitForLoadState('networkidle')
    fs.mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SHOTS, `static-home-${encoding || 'negotiated'}.png`) })
    const home = sum()
    const assets = sum((u) => /\/assets\//.test(u))
    const chart = sum((u) => /\/assets\/(echarts|chartOptions)/.test(u))
    console.log(`first-visit bytes ${label}: login page ${login}, after sign-in to home ${home} ` +
      `(of which /assets/ ${assets}, chart chunks ${chart}); ${sizes.length} responses`)
    return { login, home, assets, chart }
  } finally {
    await context.close()
    fs.rmSync(profileDir, { recursive: true, force: true })
  }
}

describe('static assets', () => {
  test('brotli/gzip negotiated, Vary, ETag/304, cache headers', async () => {
    const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8')
    const js = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)[1]
    const plain = fs.statSync(path.join(WEB, js)).size
    for (const [ae, want] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['identity', null], ['br;q=0, gzip', 'gzip'], ['', null]]) {
      const r = await rawGet(base + js, { 'Accept-Encoding': ae })
      assert.equal(r.status, 200)
      assert.equal(r.headers['content-encoding'] ?? null, want, `Accept-Encoding "${ae}"`)
      assert.match(r.headers.vary || '', /Accept-Encoding/i)
      assert.match(r.headers['content-type'], /text\/javascript/)
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable')
      if (want) assert.ok(r.body.length < plain / 2.5, `${want}: ${r.body.length} of ${plain}`)
      else assert.equal(r.body.length, plain)
      if (want === 'br') assert.equal(zlib.brotliDecompressSync(r.body).length, plain)
      if (want === 'gzip') assert.equal(zlib.gunzipSync(r.body).length, plain)
      const etag = r.headers.etag
      assert.ok(etag, 'ETag')
      const again = await rawGet(base + js, { 'Accept-Encoding': ae, 'If-None-Match': etag })
      assert.equal(again.status, 304, `If-None-Match ${etag}`)
      assert.equal(again.body.length, 0)
    }
    // The same file in two encodings has two tags (a cache must not mix them up).
    const e1 = (await rawGet(base + js, { 'Accept-Encoding': 'br' })).headers.etag
    const e2 = (await rawGet(base + js, { 'Accept-Encoding': 'gzip' })).headers.etag
    assert.notEqual(e1, e2)
    for (const p of ['/', '/index.html']) {
      const r = await rawGet(base + p, { 'Accept-Encoding': 'br' })
      assert.equal(r.headers['cache-control'], 'no-cache', p)
      const text = r.headers['content-encoding'] === 'br' ? zlib.brotliDecompressSync(r.body).toString() : r.body.toString()
      assert.ok(text.includes('<div id="app">'))
    }
  })

  test('first visit: bytes over the wire, compressed vs identity', async () => {
    const raw = await firstVisit('identity', { encoding: 'identity' })
    const packed = await firstVisit('negotiated (Chromium default Accept-Encoding)')
    assert.ok(packed.home < raw.home / 2.5, `compressed ${packed.home} vs identity ${raw.home}`)
    // The charts' chunk is fetched by the home page's chart, not by the login page.
    assert.ok(packed.chart > 0 && packed.login + packed.chart <= packed.home)
  })
})
