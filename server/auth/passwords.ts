import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

// scrypt from Node's crypto (no native addon to build); the parameters travel with the hash so
// they can be raised later without breaking stored passwords.
const N = 16384
const R = 8
const P = 1
const KEY_LENGTH = 32

let derivations = 0

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  derivations++
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

/** How many scrypt derivations this process has run (each password check costs exactly one). */
export function scryptDerivations(): number {
  return derivations
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, N, R, P)
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$')
}

let dummyHash: Promise<string> | undefined

/**
 * A hash of a random password nobody knows, with the current parameters: an unknown username is
 * checked against it so that it costs the same scrypt run as a wrong password (no enumeration by
 * timing). Made once per process; call early to keep even the first check the same cost.
 */
export function prepareDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64'))
  return dummyHash
}

/** Checks a password against a stored hash, or against the dummy hash when there is none (always false then). */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const matches = await verifyAgainst(password, stored ?? (await prepareDummyHash()))
  return stored !== undefined && matches
}

async function verifyAgainst(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !key) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p))
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
