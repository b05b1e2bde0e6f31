// npm run bench:tokens — session token verification per second on one core (the process is
// pinned to CPU 0 on Linux), in one run:
//   - node:crypto HMAC-SHA256 + timingSafeEqual over the same token: the floor (signature only,
//     no parsing, no claims);
//   - jose jwtVerify with briefd's options: the library alone;
//   - briefd verifySessionToken: jose plus briefd's checks (size and charset before parsing,
//     kid lookup, session id, lifetime cap, issued-in-the-future), what the daemon runs the first
//     time it sees a token;
//   - briefd SessionVerifier.lookup: the remembered-token fast path every later request takes
//     (an LRU lookup by the signed part, a constant-time signature compare, expiry and revocation).
// Async contenders keep 64 verifications in flight (as a busy daemon would). Each round runs
// every contender for a fixed count calibrated to ~0.3 s; rounds rotate the order. Medians and
// min..max over rounds; ratios are paired per round (same round, same machine noise).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jwtVerify } from 'jose'
import { fmt, machine, median, pinSelf, table } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300)
const IN_FLIGHT = 64
/** Upper bound on any loop, whatever the calibration says. */
const MAX_OPS = 5_000_000

async function setup() {
  const { Keyring } = await import('../dist/tokens/keyring.js')
  const { SessionLedger } = await import('../dist/tokens/ledger.js')
  const { SessionVerifier } = await import('../dist/tokens/verifier.js')
  const { issueSessionToken, verifySessionToken } = await import('../dist/tokens/session-token.js')
  const { silentLogger } = await import('../dist/shared/log.js')
  const stateDir = mkdtempSync(join(tmpdir(), 'briefd-bench-tokens-'))
  const keyring = new Keyring(stateDir)
  const ledger = new SessionLedger({ stateDir, maxSessions: 10_000, logger: silentLogger })
  const verifier = new SessionVerifier({ keyring, ledger })
  const key = keyring.current()
  const now = Math.floor(Date.now() / 1000)
  const sessionId = randomUUID()
  const token = await issueSessionToken(key, { sessionId, issuedAt: now, expiresAt: now + 3600 })
  ledger.recordIssued(sessionId, now + 3600)
  await verifier.verify(token) // remembered from here on
  const dot = token.lastIndexOf('.')
  const signed = token.slice(0, dot)
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  const lookupKey = (kid) => keyring.get(kid)
  const joseOptions = {
    algorithms: ['HS256'],
    issuer: 'briefd',
    audience: 'briefd:session',
    typ: 'briefd-session+jwt',
    requiredClaims: ['exp', 'iat', 'sub'],
    clockTolerance: 5,
  }

  const contenders = {
    'node:crypto HMAC-SHA256 (floor)': {
      sync: true,
      run: () => {
        const mac = createHmac('sha256', key.key).update(signed).digest()
        if (!timingSafeEqual(mac, signature)) throw new Error('HMAC mismatch')
      },
    },
    'jose jwtVerify': { sync: false, run: () => jwtVerify(token, key.key, joseOptions) },
    'briefd verifySessionToken (full)': {
      sync: false,
      run: () => verifySessionToken(token, lookupKey),
    },
    'briefd SessionVerifier.lookup (remembered)': {
      sync: true,
      run: () => {
        if (verifier.lookup(token)?.sessionId !== sessionId) throw new Error('lookup missed')
      },
    },
  }
  const cleanup = () => {
    ledger.close()
    rmSync(stateDir, { recursive: true, force: true })
  }
  return { contenders, cleanup }
}

/** Runs `ops` verifications; returns ops per second. */
async function measure(c, ops) {
  const t0 = performance.now()
  if (c.sync) {
    for (let i = 0; i < ops; i++) c.run()
  } else {
    let started = 0
    const lane = async () => {
      while (started < ops) {
        started++
        await c.run()
      }
    }
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, ops) }, lane))
  }
  return ops / ((performance.now() - t0) / 1000)
}

async function main() {
  const { contenders, cleanup } = await setup()
  try {
    const names = Object.keys(contenders)
    // Warm-up and calibration: enough operations for ~ROUND_MS each, within MAX_OPS.
    const ops = {}
    for (const n of names) {
      await measure(contenders[n], 1000)
      const rate = await measure(contenders[n], 2000)
      ops[n] = Math.max(1000, Math.min(MAX_OPS, Math.round((rate * ROUND_MS) / 1000)))
    }
    const results = Object.fromEntries(names.map((n) => [n, []]))
    for (let r = 0; r < ROUNDS; r++) {
      const order = names.slice(r % names.length).concat(names.slice(0, r % names.length))
      for (const n of order) results[n].push(await measure(contenders[n], ops[n]))
    }
    const floor = names[0]
    const jose = names[1]
    const paired = (n, base) => median(results[n].map((x, i) => x / results[base][i]))
    const rows = [
      ['verifier', 'verifications/s (median)', 'min..max', 'µs each', 'vs HMAC floor', 'vs jose'],
    ]
    for (const n of names) {
      const xs = results[n]
      rows.push([
        n,
        fmt(median(xs), 0),
        `${fmt(Math.min(...xs), 0)}..${fmt(Math.max(...xs), 0)}`,
        fmt(1e6 / median(xs), 2),
        `${fmt(paired(n, floor))}×`,
        `${fmt(paired(n, jose))}×`,
      ])
    }
    console.log(`machine: ${await machine()}`)
    console.log(
      `one core (pinned to CPU 0: ${Boolean(process.env.BENCH_PINNED)}); ${ROUNDS} rounds of ~${ROUND_MS} ms per verifier after a calibration run; async verifiers with ${IN_FLIGHT} in flight\n`,
    )
    console.log(table(rows))
  } finally {
    cleanup()
  }
}

try {
  if (await pinSelf()) await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}
