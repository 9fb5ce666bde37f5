/**
 * Unpacks a cluster tarball (the snapshot `npm run build` makes with node-tar, or a PGlite `dumpDataDir`) into a
 * directory. A first run is mostly this: node-tar's streaming extraction spent ~1 s of CPU on the ~1,000 entries
 * (40 MB) of a cluster, several times what reading the whole archive into memory and writing each file takes.
 * Only what those archives hold is accepted: regular files and directories, with relative paths that stay inside
 * `directory` (a leading "/" as PGlite writes is dropped), in ustar or with pax `path` records.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { gunzipSync } from "node:zlib"

const BLOCK = 512

const field = (header: Buffer, offset: number, length: number) => {
  const raw = header.subarray(offset, offset + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end < 0 ? length : end).toString("utf8")
}

const octal = (header: Buffer, offset: number, length: number, what: string) => {
  const text = field(header, offset, length).trim()
  if (!/^[0-7]*$/.test(text)) throw new Error(`entry ${what} is not an octal number: ${JSON.stringify(text)}`)
  return text === "" ? 0 : parseInt(text, 8)
}

/** pax extended header records: "<length> <key>=<value>\n". */
const paxPath = (data: Buffer): string | undefined => {
  for (const line of data.toString("utf8").split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(line)
    if (match !== null) return match[1]
  }
  return undefined
}

const CHUNK = 64 * 1024
const ZEROS = Buffer.alloc(CHUNK)

/**
 * Writes `data` to a new file, leaving out the chunks that are all zeros (the file is extended to its size, so
 * they read as zeros): most of a fresh cluster's 16 MB WAL segment is zeros, and not writing it halves the work.
 */
const writeSparse = (target: string, data: Buffer): void => {
  const fd = fs.openSync(target, "wx", 0o600)
  try {
    for (let at = 0; at < data.length; at += CHUNK) {
      const chunk = data.subarray(at, Math.min(at + CHUNK, data.length))
      if (!chunk.equals(ZEROS.subarray(0, chunk.length))) fs.writeSync(fd, chunk, 0, chunk.length, at)
    }
    fs.ftruncateSync(fd, data.length)
  } finally {
    fs.closeSync(fd)
  }
}

/** `name` as a path inside `root`, or an error: no "..", nothing absolute once a leading "/" is dropped. */
const inside = (root: string, name: string): string => {
  const relative = name.replace(/^\/+/, "").replace(/\/+$/, "")
  if (relative === "" || relative === ".") return root
  if (relative.split("/").some((part) => part === ".." || part === "")) throw new Error(`entry path ${JSON.stringify(name)} leaves the directory`)
  return path.join(root, relative)
}

/** Writes the tarball `archive` (gzipped or not) into `directory`: files 0600, directories 0700. */
export const unpackClusterTarball = (archive: Uint8Array, directory: string): void => {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)
  let offset = 0
  let nextPath: string | undefined
  const made = new Set([directory])
  const makeDirectory = (target: string) => {
    if (made.has(target)) return
    fs.mkdirSync(target, { recursive: true, mode: 0o700 })
    made.add(target)
  }
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK)
    if (header.every((byte) => byte === 0)) return
    // The checksum counts its own field as spaces; a damaged archive fails here instead of writing garbage.
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!
    if (octal(header, 148, 8, "checksum") !== sum) throw new Error(`the entry header at byte ${offset} is damaged (checksum)`)
    const size = octal(header, 124, 12, "size")
    const type = String.fromCharCode(header[156] ?? 0)
    const prefix = field(header, 345, 155)
    const name = nextPath ?? (prefix === "" ? field(header, 0, 100) : `${prefix}/${field(header, 0, 100)}`)
    const dataStart = offset + BLOCK
    if (dataStart + size > bytes.length) throw new Error(`entry ${JSON.stringify(name)} is cut short`)
    const data = bytes.subarray(dataStart, dataStart + size)
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK
    nextPath = undefined
    switch (type) {
      case "x":
        nextPath = paxPath(data)
        break
      case "g":
        break
      case "5":
        makeDirectory(inside(directory, name))
        break
      case "0":
      case "\0": {
        const target = inside(directory, name)
        makeDirectory(path.dirname(target))
        writeSparse(target, data)
        break
      }
      default:
        throw new Error(`entry ${JSON.stringify(name)} is of tar type ${JSON.stringify(type)}; a cluster holds only files and directories`)
    }
  }
  throw new Error("the archive ends without its closing blocks")
}
