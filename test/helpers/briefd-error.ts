/** Assertions on typed failures: the code, never the message wording. */
import { expect } from 'vitest'
import { BriefdError, type BriefdErrorCode } from '../../src/shared/errors.js'

/** Run `fn`, expect a BriefdError with `code`, and return it for further checks. */
export function expectBriefdError(fn: () => unknown, code: BriefdErrorCode): BriefdError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(BriefdError)
    expect((err as BriefdError).code).toBe(code)
    return err as BriefdError
  }
  throw new Error(`expected ${code}, but nothing was thrown`)
}

/** Await `promise`, expect it to reject with a BriefdError with `code`, and return the error. */
export async function expectRejection(
  promise: Promise<unknown>,
  code: BriefdErrorCode,
): Promise<BriefdError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(BriefdError)
    expect((err as BriefdError).code).toBe(code)
    return err as BriefdError
  }
  throw new Error(`expected ${code}, but it resolved`)
}
