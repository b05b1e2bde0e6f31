/**
 * @module cli/hook-input
 * Reading a hook's stdin. Claude Code writes one JSON object and closes the pipe; a person
 * at a terminal, CI or another host may give nothing, an empty pipe, or a pipe that never
 * closes. So: skip a TTY, stop at EOF, a size cap or a short time budget, and ignore
 * anything that is not the JSON we expect. Only `source` and `reason` are used.
 */
import type { Readable } from 'node:stream'

export interface HookInput {
  /** SessionStart: startup | resume | clear | compact | fork. */
  source?: string
  /** SessionEnd: clear | resume | logout | prompt_input_exit | other. */
  reason?: string
}

export interface ReadHookInputOptions {
  timeoutMs: number
  maxBytes?: number
}

const MAX_HOOK_INPUT_BYTES = 64 * 1024
/** Values are short lowercase words; anything else is treated as absent. */
const WORD_RE = /^[a-z_]{1,32}$/

/** Parses hook JSON; fields that are missing or odd are left out. */
export function parseHookInput(text: string): HookInput {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return {}
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {}
  const o = v as Record<string, unknown>
  const input: HookInput = {}
  if (typeof o.source === 'string' && WORD_RE.test(o.source)) input.source = o.source
  if (typeof o.reason === 'string' && WORD_RE.test(o.reason)) input.reason = o.reason
  return input
}

/** Reads the hook input from `stream` within `timeoutMs`; never throws. */
export function readHookInput(
  stream: Readable & { isTTY?: boolean },
  o: ReadHookInputOptions,
): Promise<HookInput> {
  if (stream.isTTY) return Promise.resolve({})
  const maxBytes = o.maxBytes ?? MAX_HOOK_INPUT_BYTES
  return new Promise<HookInput>((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      stream.off('data', onData)
      stream.off('end', finish)
      stream.off('error', finish)
      // An open pipe would keep the process alive after the hook is done.
      stream.destroy()
      resolve(size > maxBytes ? {} : parseHookInput(Buffer.concat(chunks).toString('utf8')))
    }
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += buf.length
      if (size > maxBytes) finish()
      else chunks.push(buf)
    }
    const timer = setTimeout(finish, o.timeoutMs)
    stream.on('data', onData)
    stream.once('end', finish)
    stream.once('error', finish)
  })
}
