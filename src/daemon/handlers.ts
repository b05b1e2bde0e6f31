/**
 * @module daemon/handlers
 * Every route is exactly one Hono handler: the request guard, then (for confidential
 * routes) the session gate, then the route's own work. One handler per route keeps Hono on
 * its single-handler fast path (no middleware composition per request), which is most of
 * what separates an authenticated daemon from a bare route in throughput.
 */
import type { Context, Handler } from 'hono'
import type { Principal } from '../shared/principal.js'
import type { DaemonEnv } from './context.js'
import type { AuthGate } from './auth/gate.js'

export interface RouteKit {
  guard: (c: Context<DaemonEnv>) => void
  gate: AuthGate
}

type Result = Response | Promise<Response>

/** A route open to anyone who passes the request guard (health, proof). */
export function openRoute(
  kit: RouteKit,
  handler: (c: Context<DaemonEnv>) => Result,
): Handler<DaemonEnv> {
  return function guarded(c) {
    kit.guard(c)
    return handler(c)
  }
}

/** A route that needs a valid credential; the handler runs only after the gate admits it. */
export function principalRoute(
  kit: RouteKit,
  handler: (c: Context<DaemonEnv>, principal: Principal) => Result,
): Handler<DaemonEnv> {
  return function authenticated(c) {
    kit.guard(c)
    const principal = kit.gate(c)
    return principal instanceof Promise
      ? principal.then((p) => handler(c, p))
      : handler(c, principal)
  }
}
