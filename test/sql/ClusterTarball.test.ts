import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { gzipSync } from "node:zlib"
import { unpackClusterTarball } from "../../src/sql/ClusterTarball.js"

/** One ustar entry: a 512-byte header with its checksum, then the data padded to 512 bytes. */
const entry = (name: string, type: string, data = "") => {
  const header = Buffer.alloc(512)
  header.write(name, 0, 100, "utf8")
  header.write("0000644\0", 100)
  header.write(`${Buffer.byteLength(data).toString(8).padStart(11, "0")}\0`, 124)
  header.write(type, 156)
  header.write("ustar\u000000", 257)
  header.fill(0x20, 148, 156)
  const sum = header.reduce((total, byte) => total + byte, 0)
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148)
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(data) / 512) * 512)
  body.write(data)
  return Buffer.concat([header, body])
}
const archive = (...entries: Array<Buffer>) => Buffer.concat([...entries, Buffer.alloc(1024)])

const unpacked = (bytes: Uint8Array) => {
  const root = fs.mkdtempSync(path.join(tmpdir(), "packsmith-tarball-"))
  try {
    unpackClusterTarball(bytes, root)
    return fs.readdirSync(root, { recursive: true, withFileTypes: true })
      .map((item) => {
        const full = path.join(item.parentPath, item.name)
        const mode = (fs.statSync(full).mode & 0o777).toString(8)
        return `${path.relative(root, full)} ${mode}${item.isFile() ? ` ${fs.readFileSync(full, "utf8")}` : ""}`
      })
      .sort()
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

describe("unpacking a cluster tarball", () => {
  it("writes files 0600 and directories 0700, gzipped or not, zeros included, names from the root made relative", () => {
    const zeros = "\0".repeat(200_000) + "end"
    const bytes = archive(entry("/base/", "5"), entry("/base/1", "0", "rows"), entry("PG_VERSION", "0", "18\n"), entry("pg_wal/seg", "0", zeros))
    const expected = ["PG_VERSION 600 18\n", "base 700", "base/1 600 rows", "pg_wal 700", `pg_wal/seg 600 ${zeros}`]
    expect(unpacked(bytes)).toEqual(expected)
    expect(unpacked(gzipSync(bytes))).toEqual(expected)
  })

  it("refuses an entry that leaves the directory, a link, a damaged header and a truncated archive", () => {
    expect(() => unpacked(archive(entry("../outside", "0", "x")))).toThrow(`entry path "../outside" leaves the directory`)
    expect(() => unpacked(archive(entry("base/link", "2")))).toThrow(`entry "base/link" is of tar type "2"`)
    const damaged = archive(entry("PG_VERSION", "0", "18\n"))
    damaged[0] = "Q".charCodeAt(0)
    expect(() => unpacked(damaged)).toThrow("damaged (checksum)")
    expect(() => unpacked(entry("PG_VERSION", "0", "18\n"))).toThrow("the archive ends without its closing blocks")
  })
})
