// Bench of the consumer channel (issue 16): 200 consumers, each with its own verified query
// session, poll 投诉进度查询 (GET /api/public/v1/progress) at once while staff work (the list,
// detail pages and workflow actions on the same complaints). Prints one JSON line with the
// consumers' p50 / p95 / p99 / max latency and throughput, and the staff's p95.
// Goal: consumer p95 <= 100 ms. A consumer reads the page, then looks again after THINK_MS (a
// person on a phone, 1 s by default); THINK_MS=0 makes every consumer a closed loop that
// saturates the server, which measures capacity (then latency = consumers / throughput).
//
// Usage: FCMS_BIN=build/fcms node bench/consumer.mjs [CONSUMERS=200] [SECONDS=20] [THINK_MS=1000]
// (with FCMS_TEST_DB=postgresql://... it runs on a fresh PostgreSQL database)
import http from 'node:http'
import os from 'node:os'
import { startServer } from '../tests/api/lib/server.mjs'
import { complaintFixture, residentId, mobile, step } from '../tests/api/lib/complaints.mjs'
import { startSmsSim, Consumer, submitViaSms, CODE_TEMPLATE } from '../tests/api/lib/consumer.mjs'

const CONSUMERS = Number(process.argv[2] || 200)
const SECONDS = Number(process.argv[3] || 20)
const THINK_MS = Number(process.argv[4] ?? 1000)
const CLASSIFY = { region_code: '110105', business_channel_code: 'A0101', business_type_code: 'B03022', cause_code: 'C07', rights: ['R04'] }

const sim = await startSmsSim()
const srv = await startServer({
  config: { sms_url: sim.url, pow_bits: 8, sms_resend_s: 0, sms_per_ip_hour: 100000, sms_per_phone_hour: 100, sms_global_minute: 1000000, trust_proxy: true },
  verifyAudit: false,
})
const fx = await complaintFixture(srv, { only: ['clerk', 'rev'] })

async function pool(n, width, fn) {
  const out = new Array(n)
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => { for (let i; (i = next++) < n;) out[i] = await fn(i) }))
  return out
}

// Setup: every consumer files a complaint, a registrar confirms it, the consumer opens a query session.
const t0 = Date.now()
const people = await pool(CONSUMERS, 16, async (i) => {
  const phone = mobile(`13${i % 10}`), ip = `10.${(i >> 8) & 255}.${i & 255}.7`
  const { complaint_no: no } = await submitViaSms(srv, sim, fx.branch.id, phone, residentId())
  return { phone, ip, no }
})
const queue = (await fx.clerk.client.ok('GET', '/consumer-submissions')).items
const complaints = await pool(queue.length, 8, (i) => fx.clerk.client.ok('POST', `/consumer-submissions/${queue[i].id}/confirm`, CLASSIFY, 201))
await pool(people.length, 16, async (i) => {
  const p = people[i]
  const c = new Consumer(srv.base, { ip: p.ip })
  const a = await c.askCode('query', p.phone, p.no)
  if (a.status !== 202) throw new Error(`code: ${a.status} ${a.text}`)
  const { code } = await sim.nth(p.phone, CODE_TEMPLATE, 2, 20000)
  const v = await c.verify('query', p.phone, code, p.no)
  if (v.status !== 200) throw new Error(`verify: ${v.status} ${v.text}`)
  p.cookie = c.cookie
})
const setupS = (Date.now() - t0) / 1000

// Measurement.
const agent = new http.Agent({ keepAlive: true, maxSockets: CONSUMERS + 16 })
const u = new URL(srv.base)
function get(path, headers) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint()
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'GET', headers, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t) / 1e6 }))
    })
    req.on('error', reject)
    req.end()
  })
}
const until = Date.now() + SECONDS * 1000
const consumerMs = [], staffMs = []
let errors = 0, actions = 0
const consumers = people.map(async (p) => {
  while (Date.now() < until) {
    const r = await get('/api/public/v1/progress', { Cookie: p.cookie, 'X-Forwarded-For': p.ip })
    if (r.status !== 200) errors++
    consumerMs.push(r.ms)
    // Spread the consumers' looks over the think time rather than in lockstep.
    if (THINK_MS) await new Promise((res) => setTimeout(res, THINK_MS * (0.5 + Math.random())))
  }
})
// Staff: 4 people reading lists and detail pages, one working complaints through reply and
// approval; each acts every STAFF_THINK_MS (100 ms: far busier than people, on purpose).
const STAFF_THINK_MS = Number(process.env.STAFF_THINK_MS ?? 100)
const pause = () => (STAFF_THINK_MS ? new Promise((res) => setTimeout(res, STAFF_THINK_MS)) : null)
const staffReaders = Array.from({ length: 4 }, async (_, k) => {
  for (let i = k; Date.now() < until; i += 4) {
    const c = complaints[i % complaints.length]
    for (const path of ['/api/v1/complaints?page_size=20', `/api/v1/complaints/${c.id}`, `/api/v1/complaints/${c.id}/timeline`, '/api/v1/todo']) {
      const r = await get(path, { Cookie: fx.clerk.client.cookie })
      if (r.status !== 200) errors++
      staffMs.push(r.ms)
      await pause()
    }
  }
})
const staffWriter = (async () => {
  for (let i = 0; Date.now() < until && i < complaints.length; i++) {
    let c = complaints[i]
    c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id })
    c = await step(fx.clerk.client, c, 'reply', { result: 'explained', reply_content: '已向您解释收费依据。', compensation_fen: 0 })
    await step(fx.rev.client, c, 'approve_reply')
    actions += 3
    await pause()
  }
})()
await Promise.all([...consumers, ...staffReaders, staffWriter])
agent.destroy()

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length - 1) * p))]
// The server's own time per progress request (its request log), apart from the client's queueing
// on a machine the bench shares with the server.
const serverMs = [...srv.logs().matchAll(/GET \/api\/public\/v1\/progress 200 ([\d.]+)ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b)
consumerMs.sort((a, b) => a - b)
staffMs.sort((a, b) => a - b)
const result = {
  bench: 'consumer', backend: srv.db ? 'postgresql' : 'sqlite', consumers: CONSUMERS, seconds: SECONDS, think_ms: THINK_MS, staff_think_ms: STAFF_THINK_MS, setup_s: +setupS.toFixed(1),
  requests: consumerMs.length, rps: Math.round(consumerMs.length / SECONDS),
  p50: +pct(consumerMs, 0.5).toFixed(2), p95: +pct(consumerMs, 0.95).toFixed(2), p99: +pct(consumerMs, 0.99).toFixed(2), max: +consumerMs[consumerMs.length - 1].toFixed(2),
  server_p50: +pct(serverMs, 0.5).toFixed(2), server_p95: +pct(serverMs, 0.95).toFixed(2), load_avg: os.loadavg()[0].toFixed(1),
  staff_requests: staffMs.length, staff_p95: +pct(staffMs, 0.95).toFixed(2), staff_actions: actions, errors,
}
console.log(JSON.stringify(result))
await srv.stop({ verifyAudit: false })
await sim.stop()
process.exit(result.p95 <= 100 && errors === 0 ? 0 : 1)
