/**
 * @module daemon/connection-slots
 * Bounds a server's open connections without letting anyone keep a slot they do not use.
 * Node's `maxConnections` refuses the newest connection at the cap, so whoever opens 1,024
 * connections first and never finishes a request (half-sent headers) locks every later
 * client out. Here a new connection at the cap evicts the oldest one that is not in the middle
 * of a request (idle keep-alive, or headers never completed), and only when every slot is
 * serving a request the oldest of those: a real request finishes in milliseconds, so the
 * oldest connection is the one holding a slot on purpose.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

interface Slot {
  /** Requests whose headers arrived and whose response has not finished. */
  active: number
}

export interface ConnectionSlots {
  /** Open connections. */
  count(): number
}

export function limitConnectionSlots(server: Server, cap: number): ConnectionSlots {
  // Insertion order is connection order: the first entry is the oldest connection.
  const slots = new Map<Socket, Slot>()
  const evictOne = (): void => {
    let victim: Socket | undefined
    for (const [socket, slot] of slots) {
      if (slot.active === 0) {
        victim = socket
        break
      }
    }
    victim ??= slots.keys().next().value
    if (!victim) return
    slots.delete(victim)
    victim.destroy()
  }
  server.on('connection', (socket: Socket) => {
    while (slots.size >= cap) evictOne()
    slots.set(socket, { active: 0 })
    socket.once('close', () => slots.delete(socket))
  })
  server.on('request', (req, res) => {
    const slot = slots.get(req.socket)
    if (!slot) return
    slot.active++
    res.once('close', () => slot.active--)
  })
  return { count: () => slots.size }
}
