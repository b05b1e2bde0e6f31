/**
 * A test certificate authority and a server certificate for 127.0.0.1, ::1 and localhost,
 * made with the openssl CLI into a temp dir. Node reads NODE_EXTRA_CA_CERTS only when a
 * process starts, so the vitest global setup (test/helpers/tls-global-setup.ts) makes them
 * once per run and sets the variable before the test workers are forked; workers and the
 * processes they spawn then trust the CA through Node's own mechanism, and no TLS check is
 * ever turned off.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Set by the global setup: the directory holding ca.pem, server.pem and server-key.pem. */
export const TLS_DIR_ENV = 'BRIEFD_TEST_TLS_DIR'

export interface TestTls {
  dir: string
  caPath: string
  certPath: string
  keyPath: string
}

const OPENSSL = '/usr/bin/openssl'

function openssl(args: string[], cwd: string): void {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Make a fresh CA and a loopback server certificate signed by it (EC P-256, 1 day). */
export function makeTestTls(dir = mkdtempSync(join(tmpdir(), 'briefd-tls-'))): TestTls {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca-key.pem'], dir)
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca-key.pem',
      '-days',
      '1',
      '-subj',
      '/CN=briefd test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.pem',
    ],
    dir,
  )
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server-key.pem'], dir)
  openssl(
    ['req', '-new', '-key', 'server-key.pem', '-subj', '/CN=localhost', '-out', 'server.csr'],
    dir,
  )
  writeFileSync(
    join(dir, 'server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '',
    ].join('\n'),
  )
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      'server.ext',
      '-out',
      'server.pem',
    ],
    dir,
  )
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server-key.pem'),
  }
}

/** The run's CA and server certificate, made by the global setup. */
export function testTls(): TestTls {
  const dir = process.env[TLS_DIR_ENV]
  if (!dir) {
    throw new Error(
      `${TLS_DIR_ENV} is unset: is test/helpers/tls-global-setup.ts in vitest.config.ts?`,
    )
  }
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server-key.pem'),
  }
}

/** The server certificate and key as `https.createServer` wants them. */
export function serverCredentials(tls: TestTls = testTls()): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) }
}
