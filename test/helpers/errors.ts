import { BriefdError } from '../../src/shared/errors.js'

/** The BriefdError code `fn` throws (or the error as text), undefined if it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof BriefdError ? err.code : String(err)
  }
  return undefined
}
