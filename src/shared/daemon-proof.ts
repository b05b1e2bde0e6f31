/**
 * @module shared/daemon-proof
 * The daemon proves who it is before a client sends it a credential. If our daemon died, any
 * local user can bind its port (port squatting) to collect the bearer tokens clients keep
 * sending, or to answer with instructions of its own. On Linux the kernel can tell us who
 * accepted a connection (client/listener-owner); elsewhere it cannot, so the client asks.
 *
 * The client sends a fresh nonce and says which credential it is about to send. The daemon
 * answers HMAC-SHA256(secret, nonce), where the secret is one only it and the credential's
 * holder can know, and which never crosses the wire:
 * - for a session token (an HS256 JWT), the token's signature, HMAC(signing key, signed part):
 *   the client sends the signed part (header and claims, not secret); the daemon recomputes
 *   the signature with its key; the client reads it from its token;
 * - for the bootstrap credential, the credential itself.
 * A squatter has neither. The answers are outputs of a PRF keyed by the secret, so asking for
 * them teaches nothing about it.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { constantTimeEqual } from './constant-time.js'
import { ROUTES } from './contract/routes.js'

export const PROOF_PATH = ROUTES.proof.path
/** A nonce: 32 random bytes, base64url. */
export const NONCE_RE = /^[A-Za-z0-9_-]{43}$/
/** The signed part of an HS256 JWT: two base64url segments. */
export const SIGNED_PART_RE = /^[A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{1,4096}$/

export type ProofRequest =
  { nonce: string; for: 'session'; signed: string } | { nonce: string; for: 'bootstrap' }

export function newNonce(): string {
  return randomBytes(32).toString('base64url')
}

/** The answer to `nonce` for a credential whose secret is `secret`. */
export function proofFor(secret: Uint8Array | string, nonce: string): string {
  return createHmac('sha256', secret).update(nonce).digest('base64url')
}

/** The daemon's side for a session token: its signature, recomputed with the signing key. */
export function sessionSecretFromKey(key: Uint8Array, signedPart: string): Buffer {
  return createHmac('sha256', key).update(signedPart).digest()
}

/**
 * The client's side: what to send and the answer to expect for the credential in `bearer`
 * (a session token, three dot-separated parts, or else the bootstrap credential).
 */
export function proofChallenge(bearer: string): { request: ProofRequest; expected: string } {
  const nonce = newNonce()
  const dot = bearer.lastIndexOf('.')
  const signed = dot > 0 ? bearer.slice(0, dot) : ''
  if (SIGNED_PART_RE.test(signed)) {
    const signature = Buffer.from(bearer.slice(dot + 1), 'base64url')
    return { request: { nonce, for: 'session', signed }, expected: proofFor(signature, nonce) }
  }
  return { request: { nonce, for: 'bootstrap' }, expected: proofFor(bearer, nonce) }
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(received: unknown, expected: string): boolean {
  return typeof received === 'string' && constantTimeEqual(received, expected)
}
