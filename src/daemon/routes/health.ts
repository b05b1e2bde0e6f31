/**
 * @module daemon/routes/health
 * `GET /health`: liveness for hooks, `briefd status` and `briefd doctor`. No auth, and
 * nothing about the content, the sessions or the version.
 */
import { Hono } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import type { DaemonEnv } from '../context.js'
import { jsonResponse } from '../responses.js'
import type { RateLimitConfig, RateLimiter } from '../rate-limit.js'
import { openRoute, type RouteKit } from '../handlers.js'
import { ROUTES } from '../../shared/contract/routes.js'

const OK = JSON.stringify({ status: 'ok' })

export function healthRoutes(
  kit: RouteKit,
  limiter: RateLimiter,
  limits: RateLimitConfig,
): Hono<DaemonEnv> {
  return new Hono<DaemonEnv>().get(
    ROUTES.health.path,
    openRoute(kit, function health(c) {
      const wait = limiter.take(`health${c.get('peer') ?? ''}`, limits.health)
      if (wait > 0)
        throw new BriefdError('ERR_RATE_LIMITED', 'health checks rate limited', {
          details: { retryAfterSeconds: wait },
        })
      return jsonResponse(200, OK)
    }),
  )
}
