// The route contract (shared/contract/routes) is the only list of the daemon's routes: the
// daemon must serve exactly what it lists, labels and Allow headers come from it, and a route
// added to the daemon without it fails here.
import { describe, expect, it } from 'vitest'
import { ROUTES, matchRoute, type RouteSpec } from '../../src/shared/contract/routes.js'
import { allowedMethods, routeLabel } from '../../src/daemon/routes/labels.js'
import { daemonForThisFile } from '../helpers/daemon.js'

const shared = daemonForThisFile()
const daemon = () => shared.daemon
const specs: RouteSpec[] = Object.values(ROUTES)

describe('the route contract', () => {
  it('lists every route the daemon registers, with its method', () => {
    const registered = daemon().handle.routes()
    expect(registered.length).toBeGreaterThan(0)
    for (const r of registered) {
      const spec = specs.find((s) => s.path === r.path)
      expect(
        spec,
        `${r.method} ${r.path} is served but not in shared/contract/routes`,
      ).toBeDefined()
      expect(spec?.methods).toContain(r.method)
    }
  })

  it('has every route it lists served by the daemon', () => {
    const registered = daemon().handle.routes()
    for (const s of specs.filter((x) => x.mode !== 'public')) {
      for (const m of s.methods.filter((m) => m !== 'HEAD')) {
        expect(
          registered.some((r) => r.path === s.path && r.method === m),
          `${m} ${s.path} is in the contract but not served`,
        ).toBe(true)
      }
    }
  })

  it('derives audit labels and Allow from the contract', () => {
    expect(routeLabel('GET', '/v1/templates/review-start')).toBe('GET /v1/templates/:name')
    expect(routeLabel('GET', '/v1/templates/a/b')).toBe('GET (unmatched)')
    expect(routeLabel('get', '/health')).toBe('OTHER /health')
    expect(allowedMethods('/v1/sessions/current')).toBe('GET, HEAD, DELETE')
    expect(allowedMethods('/nope')).toBeUndefined()
    for (const s of specs) expect(matchRoute(s.path.replace(':name', 'x'))).toBe(s)
  })

  it('answers 405 with the contract methods in Allow', async () => {
    const res = await fetch(`${daemon().url}/v1/proof`, { method: 'GET' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe(ROUTES.proof.methods.join(', '))
  })
})
