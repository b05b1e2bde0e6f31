/**
 * @module cli/usage-error
 * Turns commander's usage errors (unknown command or option, missing value) into one line:
 * what was wrong, the closest valid spelling when there is one, and where the full usage is.
 * A typo should not cost a screen of help text, and the line is what scripts and hooks log.
 */
import type { Command, CommanderError } from 'commander'
import { suggest } from '../shared/suggest.js'

/** The subcommand `argv` (user arguments only) reaches, following command names from the top. */
export function commandFor(program: Command, args: readonly string[]): Command {
  let cmd = program
  for (const arg of args) {
    if (arg.startsWith('-')) continue
    const next = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg))
    if (!next) break
    cmd = next
  }
  return cmd
}

/** `briefd key rotate`, for messages. */
function pathOf(cmd: Command): string {
  const names: string[] = []
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/** What the user typed, as commander quoted it (`'--prot'`), capped: it is echoed back. */
function quoted(message: string): string | undefined {
  const m = /'([^']*)'/.exec(message)
  return m?.[1]?.slice(0, 80)
}

/** One line (no newline) for a commander error raised while parsing `args` (user arguments). */
export function describeUsageError(
  program: Command,
  args: readonly string[],
  err: CommanderError,
): string {
  const cmd = commandFor(program, args)
  const where = pathOf(cmd)
  const help = `see ${where} --help`
  const what = err.message.split('\n')[0]?.replace(/^error: /, '') ?? err.code
  const typed = quoted(what)
  let candidates: string[] = []
  if (err.code === 'commander.unknownOption') {
    candidates = [...cmd.options.flatMap((o) => (o.long ? [o.long] : [])), '--help']
  } else if (err.code === 'commander.unknownCommand') {
    candidates = cmd.commands.map((c) => c.name())
  }
  const close = typed ? suggest(typed.split('=')[0] ?? typed, candidates) : undefined
  const mean = close ? `; did you mean ${close}?` : ''
  const scope = err.code === 'commander.unknownOption' ? ` for ${where}` : ''
  return `${what}${scope}${mean} (${help})`
}
