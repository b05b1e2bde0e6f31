/**
 * @module settings
 * Parsing of user-supplied settings (flags and BRIEFD_* variables). Every error names the
 * setting and the value found, so the user knows what to fix.
 */
import { BriefdError } from './errors.js'

/** A raw setting: its value and the name the user knows it by (`--port`, `BRIEFD_PORT`). */
export interface RawSetting {
  name: string
  value: string | undefined
}

/** The first setting that has a value: flags win over environment over defaults. */
export function pick(...candidates: RawSetting[]): RawSetting | undefined {
  return candidates.find((c) => c.value !== undefined && c.value !== '')
}

/** An integer in [min, max]. */
export function parseIntSetting(setting: RawSetting, min: number, max: number): number {
  const raw = setting.value ?? ''
  const n = /^[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `${setting.name} must be an integer ${min}–${max} (got ${JSON.stringify(raw)})`,
    )
  }
  return n
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** A duration such as `90`, `90s`, `15m`, `24h`, `7d`, in seconds, within [min, max]. */
export function parseDurationSetting(
  setting: RawSetting,
  minSeconds: number,
  maxSeconds: number,
): number {
  const raw = (setting.value ?? '').trim()
  const m = /^([0-9]+)([smhd]?)$/.exec(raw)
  const seconds = m ? Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1) : Number.NaN
  if (!Number.isSafeInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `${setting.name} must be a duration between ${minSeconds}s and ${maxSeconds}s, like 30m or 24h (got ${JSON.stringify(raw)})`,
    )
  }
  return seconds
}

/** A comma-separated list; empty entries dropped. */
export function parseListSetting(setting: RawSetting | undefined): string[] {
  if (!setting?.value) return []
  return setting.value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}
