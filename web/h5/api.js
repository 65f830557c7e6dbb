// The consumer API (/api/public/v1): JSON in and out, errors as {error:{code,message,field}}.
// The session after an SMS code is an HttpOnly cookie the browser keeps; nothing is stored here.
const PUB = '/api/public/v1'

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `请求失败（${status}）`)
    this.status = status
    this.code = body?.error?.code
    this.field = body?.error?.field
  }
}

export async function call(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin' }
  if (body instanceof Blob) {
    opt.body = body
    opt.headers['Content-Type'] = 'application/octet-stream'
  } else if (body !== undefined) {
    opt.body = JSON.stringify(body)
    opt.headers['Content-Type'] = 'application/json'
  }
  let r
  try {
    r = await fetch(PUB + path, opt)
  } catch {
    throw new ApiError(0, { error: { message: '网络连接失败，请检查网络后重试' } })
  }
  const j = await r.json().catch(() => null)
  if (!r.ok) throw new ApiError(r.status, j)
  return j
}

// SHA-256 (FIPS 180-4) over bytes, synchronous: the proof of work runs it tens of thousands of
// times, which crypto.subtle's one promise per hash makes slow on phones.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2])
const W = new Uint32Array(64)

function sha256First(bytes) {
  const n = bytes.length, blocks = ((n + 9 + 63) >> 6)
  const m = new Uint8Array(blocks * 64)
  m.set(bytes)
  m[n] = 0x80
  const bits = n * 8
  m[m.length - 4] = bits >>> 24; m[m.length - 3] = bits >>> 16; m[m.length - 2] = bits >>> 8; m[m.length - 1] = bits
  let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a
  let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19
  for (let o = 0; o < m.length; o += 64) {
    for (let i = 0; i < 16; i++) W[i] = (m[o + 4 * i] << 24) | (m[o + 4 * i + 1] << 16) | (m[o + 4 * i + 2] << 8) | m[o + 4 * i + 3]
    for (let i = 16; i < 64; i++) {
      const a = W[i - 15], b = W[i - 2]
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0
  }
  return h0 >>> 0 // the first 32 bits are all the proof of work looks at
}

// Finds the nonce for a challenge (bits <= 28), yielding to the page every few thousand tries.
export async function solve(challenge, bits) {
  const enc = new TextEncoder()
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  for (let n = 0; ; n++) {
    if ((sha256First(enc.encode(`${challenge}:${n}`)) & mask) >>> 0 === 0) return String(n)
    if (n % 4000 === 3999) await new Promise((r) => setTimeout(r, 0))
  }
}

// Asks for a code: fetches a challenge, solves it, then asks.
export async function askCode(purpose, phone, complaintNo) {
  const ch = await call('GET', '/challenge')
  const nonce = await solve(ch.challenge, ch.bits)
  return call('POST', '/sms-codes', { purpose, phone, ...(complaintNo ? { complaint_no: complaintNo } : {}), challenge: ch.challenge, nonce })
}
