/**
 * @module hooks/deadline
 * One time budget shared by every step of a hook (file checks, daemon requests, clean-up).
 * Hooks must never hold up a session: Claude Code gives all SessionEnd hooks 1.5 s together,
 * and a slow SessionStart delays the user's first prompt.
 */
import { BriefdError } from '../shared/errors.js'

export interface Deadline {
  /** The whole budget, in ms (for messages). */
  readonly budgetMs: number
  /** Aborts when the budget is spent; pass it to every request. */
  readonly signal: AbortSignal
  /** Milliseconds left (0 when spent). */
  remainingMs(): number
  /** Throws ERR_DEADLINE_EXCEEDED, naming `step`, when the budget is spent. */
  check(step: string): void
  /** Stops the timer (the process can exit without waiting for it). */
  dispose(): void
}

/** A deadline `budgetMs` from now. */
export function createDeadline(
  budgetMs: number,
  now: () => number = () => performance.now(),
): Deadline {
  const end = now() + Math.max(0, budgetMs)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), Math.max(0, budgetMs))
  // The budget must not itself keep a finished hook alive.
  timer.unref()
  const remainingMs = (): number => Math.max(0, Math.floor(end - now()))
  return {
    budgetMs: Math.max(0, Math.round(budgetMs)),
    signal: controller.signal,
    remainingMs,
    check(step: string): void {
      if (controller.signal.aborted || remainingMs() === 0) {
        throw new BriefdError(
          'ERR_DEADLINE_EXCEEDED',
          `ran out of time (${Math.round(budgetMs)} ms budget) before ${step}`,
        )
      }
    },
    dispose: () => clearTimeout(timer),
  }
}
