/**
 * Keys in canonical order (RFC 8785: by UTF-16 code units). The compiler inserts the keys of the values it
 * builds in this order, so emitting them needs no sorted copy (see emit.ts).
 */

/**
 * Sorts in place and returns `keys`. Most objects have a few keys, often in order already: insertion sort
 * beats the generic sort there. A large object (a pack may write a mapping of thousands of keys) gets the
 * engine's sort, whose default order is by UTF-16 code units, the canonical one.
 */
export const sortKeys = (keys: Array<string>): Array<string> => {
  if (keys.length > 32) return keys.sort()
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

export const notFinite = (value: number): never => {
  throw new RangeError(`${value} has no JSON representation`)
}

/**
 * Keys a sorted copy cannot hold in sorted order: engines list keys like "7" before all others, in numeric
 * order, whatever order they were added in; and assigning "__proto__" sets the prototype instead.
 */
const INDEX_KEY = /^(0|[1-9]\d*)$/
export const isIndexKey = (key: string): boolean => {
  const first = key.charCodeAt(0)
  return (first >= 48 && first <= 57 && INDEX_KEY.test(key)) || key === "__proto__"
}

export const INDEX_KEYS = Symbol("index keys")

const isPlainRecord = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * `value` itself when every object in it already has its keys in sorted order (the compiler builds its
 * values that way), else a copy with the keys inserted in sorted order where they were not; INDEX_KEYS when
 * that order cannot hold. Checking allocates nothing; only the parts out of order are copied.
 */
export const inCanonicalOrder = (value: unknown): unknown => {
  if (typeof value === "number") return Number.isFinite(value) ? value : notFinite(value)
  if (typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) {
    let copy: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const ordered = inCanonicalOrder(item)
      if (ordered === INDEX_KEYS) return INDEX_KEYS
      if (ordered !== item) {
        copy ??= value.slice()
        copy[i] = ordered
      }
    }
    return copy ?? value
  }
  const record = value as Record<string, unknown>
  if (!isPlainRecord(record)) return copyInOrder(record)
  let previous: string | undefined
  for (const key in record) {
    if (isIndexKey(key)) return INDEX_KEYS
    if (previous !== undefined && previous > key) return copyInOrder(record)
    const item = record[key]
    const ordered = inCanonicalOrder(item)
    if (ordered === INDEX_KEYS) return INDEX_KEYS
    // The member's ordered copy is made once, here, and reused by the copy of this record.
    if (ordered !== item) return copyInOrder(record, key, ordered)
    previous = key
  }
  return value
}

/** The record's own keys inserted in sorted order, each value in canonical order (`known`: one already done). */
const copyInOrder = (record: Record<string, unknown>, knownKey?: string, known?: unknown): unknown => {
  const keys = sortKeys(Object.keys(record))
  const copy: Record<string, unknown> = {}
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (isIndexKey(key)) return INDEX_KEYS
    const item = key === knownKey ? known : inCanonicalOrder(record[key])
    if (item === INDEX_KEYS) return INDEX_KEYS
    copy[key] = item
  }
  return copy
}
