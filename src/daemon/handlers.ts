/**
 * @module daemon/handlers
 * Every route is exactly one Hono handler: the request guard, then (for confidential
 * routes) the session gate, then the route's own work. One handler per route keeps Hono on
 * its single-handler fast path (no middleware composition per request), which is most of
 * what separates an authenticated daemon from a bare route in throughput.
 */
import type { Context, Handler } from 'hono'
import type { VerifiedSession } from '../tokens/verifier.js'
import type { DaemonEnv } from './context.js'
import type { SessionGate } from './auth/gate.js'

export interface RouteKit {
  guard: (c: Context<DaemonEnv>) => void
  gate: SessionGate
}

type Result = Response | Promise<Response>

/** A route open to anyone who passes the request guard (health, session issuance). */
export function openRoute(
  kit: RouteKit,
  handler: (c: Context<DaemonEnv>) => Result,
): Handler<DaemonEnv> {
  return function guarded(c) {
    kit.guard(c)
    return handler(c)
  }
}

/** A route that needs a valid session token; the handler runs only after the gate admits it. */
export function sessionRoute(
  kit: RouteKit,
  handler: (c: Context<DaemonEnv>, session: VerifiedSession) => Result,
): Handler<DaemonEnv> {
  return function authenticated(c) {
    kit.guard(c)
    const session = kit.gate(c)
    return session instanceof Promise ? session.then((s) => handler(c, s)) : handler(c, session)
  }
}
