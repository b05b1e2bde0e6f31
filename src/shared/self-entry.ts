/**
 * @module shared/self-entry
 * The script that runs briefd, for the commands that start another briefd process (the
 * background daemon). From the package it is bin/briefd.js; a plugin's single-file bundle
 * (src/plugin/entry.ts) names itself instead, because a path computed relative to a module
 * would point outside the plugin directory once everything sits in one file.
 */
import { fileURLToPath } from 'node:url'

let entry: string | undefined

/** Declares the script that runs this process's briefd (called once, by the bundle's entry). */
export function setSelfEntry(path: string): void {
  entry = path
}

/** The script to run with `process.execPath` to start another briefd command. */
export function selfEntry(): string {
  return entry ?? fileURLToPath(new URL('../../bin/briefd.js', import.meta.url))
}
