/**
 * @module daemon/routes/status
 * `GET /v1/status`: what `briefd status` shows (pid, uptime, content dir, live sessions).
 * Bootstrap credential only: it is operator information, and still never content.
 */
import { Hono } from 'hono'
import type { DaemonEnv } from '../context.js'
import { jsonResponse } from '../responses.js'
import { requireKind } from '../auth/require-kind.js'
import { principalRoute, type RouteKit } from '../handlers.js'
import { VERSION } from '../../shared/version.js'
import { ROUTES } from '../../shared/contract/routes.js'

export interface StatusRoutesOptions {
  kit: RouteKit
  contentDir: string
  startedAt: number
  liveSessions: () => number
  now: () => number
}

export function statusRoutes(o: StatusRoutesOptions): Hono<DaemonEnv> {
  return new Hono<DaemonEnv>().get(
    ROUTES.status.path,
    principalRoute(o.kit, function status(_c, p) {
      requireKind(p, 'bootstrap')
      return jsonResponse(
        200,
        JSON.stringify({
          pid: process.pid,
          version: VERSION,
          started_at: new Date(o.startedAt).toISOString(),
          uptime_seconds: Math.floor((o.now() - o.startedAt) / 1000),
          content_dir: o.contentDir,
          live_sessions: o.liveSessions(),
        }),
      )
    }),
  )
}
