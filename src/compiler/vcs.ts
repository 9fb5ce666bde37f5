/** The git commit the sources are at, read from .git without spawning git (provenance only). */
import * as fs from "node:fs"
import * as path from "node:path"

const readText = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    // No such file: this repository layout does not have it.
    return undefined
  }
}

const gitDirOf = (start: string): string | undefined => {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, ".git")
    const stat = fs.statSync(dotGit, { throwIfNoEntry: false })
    if (stat?.isDirectory()) return dotGit
    if (stat?.isFile()) {
      // A worktree or submodule: ".git" is a file naming the real git directory.
      const pointer = /^gitdir:\s*(.+)$/m.exec(readText(dotGit) ?? "")?.[1]?.trim()
      return pointer === undefined ? undefined : path.resolve(dir, pointer)
    }
    if (path.dirname(dir) === dir) return undefined
  }
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/

export const readVcsCommit = (start: string): string | undefined => {
  const gitDir = gitDirOf(start)
  if (gitDir === undefined) return undefined
  const head = readText(path.join(gitDir, "HEAD"))?.trim()
  if (head === undefined) return undefined
  if (COMMIT.test(head)) return head
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1]
  if (ref === undefined) return undefined
  const commonDir = readText(path.join(gitDir, "commondir"))?.trim()
  const dirs = [gitDir, ...(commonDir === undefined ? [] : [path.resolve(gitDir, commonDir)])]
  for (const dir of dirs) {
    const loose = readText(path.join(dir, ...ref.split("/")))?.trim()
    if (loose !== undefined && COMMIT.test(loose)) return loose
    const packed = readText(path.join(dir, "packed-refs"))
    const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`))
    const hash = line?.split(" ")[0]
    if (hash !== undefined && COMMIT.test(hash)) return hash
  }
  return undefined
}
