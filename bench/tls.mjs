// A throwaway certificate authority and a loopback server certificate (127.0.0.1, ::1,
// localhost) for the TLS benchmarks, made with the openssl CLI as test/helpers/tls.ts does.
// Clients trust the CA through NODE_EXTRA_CA_CERTS, which Node reads only at start-up: the
// benchmark re-executes itself with it set (see bench/remote.mjs); no TLS check is turned off
// in any server.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const OPENSSL = '/usr/bin/openssl'

function openssl(args, cwd) {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** A fresh CA and a server certificate signed by it (EC P-256, 1 day), in a temp dir. */
export function makeTls(dir = mkdtempSync(join(tmpdir(), 'briefd-bench-tls-'))) {
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
      '/CN=briefd bench CA',
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
  return tlsIn(dir)
}

/** The files of a directory made by makeTls. */
export function tlsIn(dir) {
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server-key.pem'),
  }
}

/** The server certificate and key as `https.createServer` wants them. */
export function serverCredentials(tls) {
  return { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) }
}
