// Public mode's settings: each mistake is one line naming the setting, and nothing binds
// beyond loopback without TLS here or at a proxy in front.
import { describe, expect, it } from 'vitest'
import { resolveDaemonConfig, type DaemonFlags } from '../../src/daemon/config.js'

const resolve = (flags: DaemonFlags) =>
  resolveDaemonConfig({ content: '/c', stateDir: '/s', ...flags }, {})
const R = 'https://Briefd.Example.com/'

describe('public mode settings', () => {
  it('canonicalises --resource and leaves local mode untouched without it', () => {
    expect(resolve({ resource: R, issuer: ['https://idp.example.com'] }).public).toEqual({
      resource: 'https://briefd.example.com',
      issuers: ['https://idp.example.com'],
      behindTlsProxy: false,
    })
    expect(resolve({}).public).toBeUndefined()
  })

  it.each<[string, DaemonFlags, RegExp]>([
    ['a public bind without TLS', { resource: R, host: '0.0.0.0' }, /--host "0.0.0.0".*--tls-cert/],
    ['a public bind in local mode', { host: '0.0.0.0' }, /--host "0.0.0.0" is not a loopback/],
    [
      '--issuer without --resource',
      { issuer: ['https://idp.example.com'] },
      /--issuer needs --resource/,
    ],
    [
      '--tls-cert without --tls-key',
      { resource: R, tlsCert: 'c.pem' },
      /--tls-cert needs --tls-key/,
    ],
    ['an http resource', { resource: 'http://briefd.example.com' }, /--resource must use https/],
    ['a resource with a fragment', { resource: 'https://b.example/#x' }, /--resource/],
    ['an http issuer', { resource: R, issuer: ['http://idp.example.com'] }, /--issuer .* https/],
    [
      'TLS here and a proxy in front',
      { resource: R, tlsCert: 'c', tlsKey: 'k', behindTlsProxy: true },
      /exclude each other/,
    ],
  ])('refuses %s in one line naming the setting', (_name, flags, message) => {
    expect(() => resolve(flags)).toThrow(message)
  })

  it('reads the same settings from BRIEFD_* variables', () => {
    const config = resolveDaemonConfig(
      { content: '/c', stateDir: '/s' },
      {
        BRIEFD_RESOURCE: R,
        BRIEFD_ISSUERS: 'https://a.example,https://b.example',
        BRIEFD_BEHIND_TLS_PROXY: '1',
      },
    )
    expect(config.public).toEqual({
      resource: 'https://briefd.example.com',
      issuers: ['https://a.example', 'https://b.example'],
      behindTlsProxy: true,
    })
    const tls = resolveDaemonConfig(
      { content: '/c', stateDir: '/s' },
      { BRIEFD_RESOURCE: R, BRIEFD_TLS_CERT: '/c.pem', BRIEFD_TLS_KEY: '/k.pem' },
    )
    expect(tls.public?.tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' })
  })

  it('binds any address with TLS or behind a TLS proxy', () => {
    expect(resolve({ resource: R, host: '0.0.0.0', tlsCert: 'c', tlsKey: 'k' }).host).toBe(
      '0.0.0.0',
    )
    expect(resolve({ resource: R, host: '::', behindTlsProxy: true }).host).toBe('::')
  })
})
