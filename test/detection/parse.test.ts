import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck } from "effect"
import type { RuntimeFamily } from "../../src/domain/RuntimeFamily.js"
import { familySpec, firstLine, parseVersion, splitSelfQuery } from "../../src/services/RuntimeDetection/families.js"
import { pathDirectories } from "../../src/services/RuntimeDetection/locate.js"
import { checkVerification, orderCommands, templateFamily } from "../../src/services/RuntimeDetection/templates.js"
import { template } from "./stubs.js"

/** What a binary printed for its family's version probe; realName is the name of its real file. */
const read = (family: RuntimeFamily, realName: string, stdout: string, stderr = "") => {
  const pattern = familySpec(family)!.probe(realName).pattern
  return pattern === null ? null : parseVersion(pattern, stdout, stderr)?.version
}

describe("version output as real interpreters print it", () => {
  it.each([
    ["shell", "bash", "GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)\nCopyright (C) 2022 Free Software Foundation, Inc.\n", "", "5.2.15"],
    ["shell", "zsh", "zsh 5.9 (x86_64-debian-linux-gnu)\n", "", "5.9"],
    ["python", "python3.11", "Python 3.11.7\n", "", "3.11.7"],
    ["python", "python2.7", "", "Python 2.7.18\n", "2.7.18"],
    ["node", "node", "v20.20.2\n", "", "20.20.2"],
    ["ruby", "ruby", "ruby 3.3.0 (2023-12-25 revision 5124f9ac75) [x86_64-linux]\n", "", "3.3.0"],
    ["go", "go", "go version go1.22.1 linux/amd64\n", "", "1.22.1"],
    ["go", "go", "go version go1.23rc1 linux/amd64\n", "", "1.23"],
    ["java", "java", "", "openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)\n", "17.0.15"],
    ["java", "java", "", "java version \"1.8.0_392\"\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)\n", "1.8.0"],
    ["java", "java", "", "openjdk version \"21-ea\" 2023-09-19\n", "21"],
    ["perl", "perl", "\nThis is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux-gnu-thread-multi\n(with 54 registered patches, see perl -V for more detail)\n", "", "5.36.0"],
    ["perl", "perl", "This is perl, v5.36.0\n", "", "5.36.0"],
    ["r", "Rscript", "Rscript (R) version 4.3.2 (2023-10-31)\n", "", "4.3.2"],
    ["r", "Rscript", "", "R scripting front-end version 4.1.2 (2021-11-01)\n", "4.1.2"],
    ["php", "php", "PHP 8.2.7 (cli) (built: Jun  9 2023 19:37:27) (NTS)\nCopyright (c) The PHP Group\nZend Engine v4.2.7, Copyright (c) Zend Technologies\n", "", "8.2.7"],
    ["lua", "lua5.4", "Lua 5.4.4  Copyright (C) 1994-2022 Lua.org, PUC-Rio\n", "", "5.4.4"],
    ["lua", "lua5.1", "", "Lua 5.1.5  Copyright (C) 1994-2012 Lua.org, PUC-Rio\n", "5.1.5"],
    ["lua", "luajit", "LuaJIT 2.1.0-beta3 -- Copyright (C) 2005-2017 Mike Pall. http://luajit.org/\n", "", "2.1.0"],
    ["deno", "deno", "deno 1.40.0 (release, x86_64-unknown-linux-gnu)\nv8 12.1.285.6\ntypescript 5.3.3\n", "", "1.40.0"],
    ["bun", "bun", "1.0.25\n", "", "1.0.25"],
  ] as const)("%s (%s) %j %j -> %s", (family, realName, stdout, stderr, version) => {
    expect(read(family, realName, stdout, stderr)).toBe(version)
  })

  it("does not take any number in an error message for a version", () => {
    expect(read("node", "node", "", "node: error while loading shared libraries: libnode.so.108: cannot open shared object file\n")).toBeUndefined()
    expect(read("java", "java", "", "Error: could not open `/usr/lib/jvm/java-17/lib/jvm.cfg'\n")).toBeUndefined()
    expect(read("python", "python3", "Segmentation fault 1.2.3\n")).toBeUndefined()
    expect(read("php", "php", "", "Zend Engine v4.2.7 failed to start\n")).toBeUndefined()
  })

  it("expects no version from a shell that has no version flag (dash, busybox)", () => {
    expect(familySpec("shell")!.probe("dash")).toEqual({ args: ["-c", "echo ok"], pattern: null })
    expect(familySpec("shell")!.probe("busybox")).toEqual({ args: ["-c", "echo ok"], pattern: null })
    expect(familySpec("shell")!.probe("bash").args).toEqual(["--version"])
  })

  it.prop(
    "reads back any version in each family's banner",
    [FastCheck.integer({ min: 0, max: 99 }), FastCheck.integer({ min: 0, max: 99 }), FastCheck.integer({ min: 0, max: 999 })],
    ([major, minor, patch]) => {
      const v = `${major}.${minor}.${patch}`
      expect(read("python", "python3", `Python ${v}\n`)).toBe(v)
      expect(read("node", "node", `v${v}\n`)).toBe(v)
      expect(read("ruby", "ruby", `ruby ${v} (2024-01-01 revision 0) [x86_64-linux]\n`)).toBe(v)
      expect(read("go", "go", `go version go${v} linux/arm64\n`)).toBe(v)
      expect(read("java", "java", "", `openjdk version "${v}" 2024-01-01\n`)).toBe(v)
      expect(read("perl", "perl", `\nThis is perl ${major}, version ${minor}, subversion ${patch} (v${v}) built for x\n`)).toBe(v)
      expect(read("r", "Rscript", `Rscript (R) version ${v} (2024-01-01)\n`)).toBe(v)
      expect(read("php", "php", `PHP ${v} (cli)\n`)).toBe(v)
      expect(read("lua", "lua", `Lua ${v}  Copyright (C) 1994-2022 Lua.org, PUC-Rio\n`)).toBe(v)
      expect(read("deno", "deno", `deno ${v} (release, x86_64-unknown-linux-gnu)\n`)).toBe(v)
      expect(read("bun", "bun", `${v}\n`)).toBe(v)
    },
  )
})

describe("reading a self-query answer", () => {
  it("splits the executable from the version text", () => {
    expect(splitSelfQuery("/root/.pyenv/versions/3.11.7/bin/python3\nPython 3.11.7\n")).toEqual({
      path: "/root/.pyenv/versions/3.11.7/bin/python3",
      rest: "Python 3.11.7\n",
    })
  })

  it("refuses an answer that does not start with an absolute path", () => {
    expect(splitSelfQuery("Python 3.11.7\n")).toBeUndefined()
    expect(splitSelfQuery("\n/usr/bin/python3\n")).toBeUndefined()
    expect(splitSelfQuery("")).toBeUndefined()
  })

  it("quotes the first non-blank line of an output, shortened", () => {
    expect(firstLine("\n  \nfirst\nsecond", "err")).toBe("first")
    expect(firstLine("", "only stderr\n")).toBe("only stderr")
    expect(firstLine("x".repeat(500), "")).toHaveLength(160)
  })
})

describe("PATH entries", () => {
  it("keeps absolute directories once each, in order, and drops empty and relative entries", () => {
    expect(pathDirectories(["", "bin", "/usr/bin", "./x", "/usr/bin/", "/opt//tools", "/bin"].join(":")))
      .toEqual(["/usr/bin", "/opt/tools", "/bin"])
  })
})

describe("template verification rules", () => {
  it("orders commands by priority, lower first, 999 by default, ties in written order", () => {
    const ordered = orderCommands([
      { binary: "d" },
      { binary: "c", priority: 5 },
      { binary: "a", priority: 1 },
      { binary: "e", priority: 999 },
      { binary: "b", priority: 1 },
    ])
    expect(ordered.map((c) => c.binary)).toEqual(["a", "b", "c", "d", "e"])
  })

  it("requires the exit code (0 by default) and matches the pattern over stdout then stderr", () => {
    const answer = (exitCode: number, stdout: string, stderr: string) => ({ exitCode, stdout, stderr })
    expect(Either.isRight(checkVerification({ binary: "sh", pattern: "^ok" }, answer(0, "ok\n", "")))).toBe(true)
    expect(Either.isRight(checkVerification({ binary: "java", pattern: "version \"\\d+" }, answer(0, "", "openjdk version \"17\"")))).toBe(true)
    expect(checkVerification({ binary: "sh", pattern: "^ok" }, answer(1, "ok\n", ""))).toEqual(Either.left("exited with code 1, not 0: ok"))
    expect(Either.isRight(checkVerification({ binary: "t", exit_code: 1 }, answer(1, "", "")))).toBe(true)
    expect(checkVerification({ binary: "sh", pattern: "^ok" }, answer(0, "ko\n", ""))).toEqual(Either.left(`printed nothing that matches /^ok/ ("ko")`))
  })

  it("names a template's family from its name, else from a known alias, else the name itself", () => {
    expect(templateFamily(template("core.nodejs", "Node.js", {}))).toBe("node")
    expect(templateFamily(template("x.py312", "Python 3.12", {}, ["py312", "python3"]))).toBe("python")
    expect(templateFamily(template("lang.elixir", "Elixir", {}, ["ex"]))).toBe("elixir")
  })
})
