/**
 * The user's browser, played by a test: it follows an authorization URL over HTTPS, keeps the
 * authorization server's cookies, and submits oidc-provider's own login, consent and device
 * code forms (with the values a person would type), until the authorization server redirects
 * to a URL the test names as the end (the loopback callback) or shows a page with no form.
 */
export interface BrowserRun {
  /** The URL where the walk stopped (the callback, or the last page). */
  finalUrl: URL
  status: number
  body: string
  /** Every URL visited, in order. */
  visited: string[]
}

export interface BrowserOptions {
  /** The account to sign in as (oidc-provider's dev login accepts any password). */
  login?: string
  /** The device flow's user code, when the page asks for one. */
  userCode?: string
  /** Where the walk ends: the first redirect to a URL that starts with this is fetched and returned. */
  stopAt?: string
  /** Do not fetch the final URL, only report it (for a callback the test wants to tamper with). */
  dontFollowStop?: boolean
}

const attr = (tag: string, name: string): string | undefined => {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`))
  return m?.[1]
    ?.replace(/&amp;/g, '&')
    .replace(/&#x2F;/g, '/')
    .replace(/&quot;/g, '"')
}

export class TestBrowser {
  readonly #cookies = new Map<string, string>()

  async walk(start: string, o: BrowserOptions = {}): Promise<BrowserRun> {
    const visited: string[] = []
    let url = new URL(start)
    let method: 'GET' | 'POST' = 'GET'
    let body: URLSearchParams | undefined
    for (let step = 0; step < 20; step++) {
      if (o.stopAt && url.href.startsWith(o.stopAt) && o.dontFollowStop) {
        return { finalUrl: url, status: 0, body: '', visited }
      }
      visited.push(url.href)
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body } : {}),
      })
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';')
        const eq = (pair ?? '').indexOf('=')
        if (eq > 0) this.#cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1))
      }
      const text = await res.text()
      if (o.stopAt && url.href.startsWith(o.stopAt))
        return { finalUrl: url, status: res.status, body: text, visited }
      const location = res.headers.get('location')
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url)
        method = 'GET'
        body = undefined
        continue
      }
      const form = text.match(/<form[^>]*>/)
      if (!form) return { finalUrl: url, status: res.status, body: text, visited }
      const fields = new URLSearchParams()
      for (const tag of text.match(/<input[^>]*>/g) ?? []) {
        const name = attr(tag, 'name')
        if (!name) continue
        let value = attr(tag, 'value') ?? ''
        if (name === 'login') value = o.login ?? 'alice'
        if (name === 'password') value = 'any-password'
        if (name === 'user_code' && value === '') value = o.userCode ?? ''
        fields.set(name, value)
      }
      url = new URL(attr(form[0], 'action') ?? url.href, url)
      method = (attr(form[0], 'method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET'
      body = method === 'POST' ? fields : undefined
    }
    throw new Error(`browser: no end after 20 steps (${visited.join(' -> ')})`)
  }
}
