/**
 * Keys in canonical order (RFC 8785: by UTF-16 code units). The compiler inserts the keys of the values it
 * builds in this order, so emitting them needs no sorted copy (see emit.ts).
 */

/** Sorts in place and returns `keys`. Keys are few per object: insertion sort beats the generic sort here. */
export const sortKeys = (keys: Array<string>): Array<string> => {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!
    let j = i - 1
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!
      j--
    }
    keys[j + 1] = key
  }
  return keys
}

/** A copy of `record` with `key` set to `value`: replaced where it is, or inserted in sorted position. */
export const withMember = (record: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> => {
  if (Object.prototype.hasOwnProperty.call(record, key)) return { ...record, [key]: value }
  const out: Record<string, unknown> = {}
  let placed = false
  for (const existing of Object.keys(record)) {
    if (!placed && existing > key) {
      out[key] = value
      placed = true
    }
    out[existing] = record[existing]
  }
  if (!placed) out[key] = value
  return out
}

/** `record` with the members of `patch` set, every key in sorted order when `record`'s keys were. */
export const withMembers = (record: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> => {
  const keys = Object.keys(record)
  for (const key of Object.keys(patch)) if (!Object.prototype.hasOwnProperty.call(record, key)) keys.push(key)
  const out: Record<string, unknown> = {}
  for (const key of sortKeys(keys)) out[key] = Object.prototype.hasOwnProperty.call(patch, key) ? patch[key] : record[key]
  return out
}

/** `record[key] = value`, except that a key named `__proto__` becomes a member rather than the prototype. */
export const setMember = (record: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  else record[key] = value
}
