/**
 * @module daemon/context
 * What the daemon's middleware puts on the Hono context, typed in one place.
 */
import type { HttpBindings } from '@hono/node-server'
import type { Principal } from '../shared/principal.js'

export interface DaemonVariables {
  /** Set by the auth gate once the credential checked out. */
  principal: Principal
  /** Set once the request presented a bearer credential (well-formed or not). */
  presented: boolean
  /**
   * Public mode: `:<client address>`, appended to the anonymous, failed-credential and health
   * bucket keys, so one caller on the internet cannot spend what everyone else needs. Empty in
   * local mode, where every caller shares the loopback address anyway.
   */
  peer: string
  /** Set by routes that serve a document, for the audit line of a denial. */
  document: string
}

export interface DaemonEnv {
  Bindings: Partial<HttpBindings>
  Variables: DaemonVariables
}
