/**
 * @module apikeys/ttl
 * The `--ttl` of an API key: a whole number with a unit (`90d`, `12h`, `30m`, `45s`). The unit
 * is required: a bare `90` could mean seconds or days, and guessing wrong makes a key that
 * dies in a minute or lives for months.
 */
import { BriefdError } from '../shared/errors.js'

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 }
/** Ten years: a key meant to outlive that should have no expiry at all. */
export const MAX_KEY_TTL_SECONDS = 3650 * 86400

/** Seconds in `raw`; one line naming `--ttl` and the value when it is not a valid lifetime. */
export function parseKeyTtl(raw: string, name = '--ttl'): number {
  const m = /^([0-9]{1,10})([smhd])$/.exec(raw.trim())
  const seconds = m ? Number(m[1]) * (UNIT_SECONDS[m[2] ?? ''] ?? Number.NaN) : Number.NaN
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_KEY_TTL_SECONDS)
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `${name} must be a whole number with a unit s, m, h or d, from 1s to 3650d, e.g. 90d (got ${JSON.stringify(raw.slice(0, 40))})`,
    )
  return seconds
}
