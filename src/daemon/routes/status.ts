/**
 * @module daemon/routes/status
 * `GET /v1/status`: what `briefd status` shows (pid, uptime, content dir, live sessions).
 * Bootstrap credential only: it is operator information, and still never content.
 */
import { Hono } from 'hono'
import type { DaemonEnv } from '../context.js'
import { jsonResponse } from '../responses.js'
import { requireBootstrap } from '../auth/require-bootstrap.js'
import { openRoute, type RouteKit } from '../handlers.js'
import { VERSION } from '../../shared/version.js'
import { ROUTES } from '../../shared/contract/routes.js'

export interface StatusRoutesOptions {
  kit: RouteKit
  isBootstrap: (presented: string) => boolean
  contentDir: string
  startedAt: number
  liveSessions: () => number
  now: () => number
}

export function statusRoutes(o: StatusRoutesOptions): Hono<DaemonEnv> {
  return new Hono<DaemonEnv>().get(
    ROUTES.status.path,
    openRoute(o.kit, function status(c) {
      requireBootstrap(c, o.isBootstrap)
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
