/** PS1xxx: paths, reading, YAML syntax and the bounds on what a file may make the parser do. */
import * as fs from "node:fs"
import * as path from "node:path"
import { diag, yaml, type CorpusCase } from "../workspace.js"

const A = "p/actions/broken.yaml"

/** `levels` nested block mappings under `meta`, one key per line. */
const nestedMeta = (levels: number): string => {
  const lines = ["ref: p.deep", "entry_point: hello.sh", "meta:"]
  for (let i = 1; i <= levels; i++) lines.push(`${"  ".repeat(i)}k${i}:`)
  lines.push(`${"  ".repeat(levels + 1)}leaf: 1`)
  return `${lines.join("\n")}\n`
}

/** Nine levels of ten aliases each: 10^9 nodes once expanded, a few hundred bytes as text. */
const billionLaughs = (): string => {
  const lines = ["ref: p.lol", "entry_point: hello.sh", "meta:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
  for (let i = 1; i < 9; i++) lines.push(`  l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]`)
  return `${lines.join("\n")}\n`
}

export const parseCases: ReadonlyArray<CorpusCase> = [
  {
    name: "path-that-is-not-a-pack",
    files: {},
    paths: (root) => [path.join(root, "p", "actions")],
    expect: [diag("PS1001", "p/actions", 1, 1)],
  },
  {
    name: "path-that-does-not-exist",
    files: {},
    paths: (root) => [root, path.join(root, "nowhere")],
    expect: [diag("PS1001", "nowhere", 1, 1)],
  },
  {
    name: "path-through-a-file",
    files: {},
    paths: (root) => [path.join(root, "p", "actions", "hello.sh", "pack")],
    expect: [diag("PS1001", "p/actions/hello.sh/pack", 1, 1)],
  },
  {
    name: "yaml-file-over-one-mebibyte",
    files: { [A]: `ref: p.big\nentry_point: hello.sh\ndescription: "${"x".repeat(1024 * 1024)}"\n` },
    expect: [diag("PS1002", A, 1, 1)],
  },
  {
    name: "script-over-sixteen-mebibytes",
    files: { "p/actions/hello.yaml": "ref: p.hello\nentry_point: huge.sh\n" },
    // Sparse: the size is checked before a byte is read.
    setup: (root) => {
      const huge = path.join(root, "p/actions/huge.sh")
      fs.writeFileSync(huge, "")
      fs.truncateSync(huge, 16 * 1024 * 1024 + 1)
    },
    expect: [diag("PS1002", "p/actions/hello.yaml", 2, 14)],
  },
  {
    name: "yaml-unclosed-flow-sequence",
    files: {
      [A]: yaml`
        ref: p.broken
        entry_point: hello.sh
        tags: [a, b
        description: never closed
      `,
    },
    expect: [diag("PS1003", A, 4, 1, { message: /missed comma/ })],
  },
  {
    name: "yaml-bad-indentation",
    files: {
      [A]: yaml`
        ref: p.broken
        entry_point: hello.sh
          description: indented under a scalar
      `,
    },
    expect: [diag("PS1003", A, 3, 14)],
  },
  {
    name: "yaml-tab-indentation",
    files: { [A]: "ref: p.broken\nentry_point: hello.sh\nparameters:\n\tname: {type: string}\n" },
    expect: [diag("PS1003", A, 4, 1)],
  },
  {
    name: "yaml-unterminated-quoted-string",
    files: { [A]: 'ref: p.broken\nentry_point: hello.sh\ndescription: "never closed\n' },
    expect: [diag("PS1003", A, 4, 1)],
  },
  {
    name: "yaml-duplicate-top-level-key",
    files: {
      [A]: yaml`
        ref: p.broken
        entry_point: hello.sh
        ref: p.again
      `,
    },
    expect: [diag("PS1003", A, 3, 1, { message: /duplicated mapping key/ })],
  },
  {
    name: "yaml-duplicate-nested-key",
    files: {
      [A]: yaml`
        ref: p.broken
        entry_point: hello.sh
        parameters:
          name:
            type: string
            type: integer
      `,
    },
    expect: [diag("PS1003", A, 6, 5, { message: /duplicated mapping key/ })],
  },
  {
    name: "nesting-deeper-than-64-levels",
    files: { "p/actions/deep.yaml": nestedMeta(70) },
    expect: [diag("PS1005", "p/actions/deep.yaml", 67, 129)],
  },
  {
    name: "flow-nesting-of-ten-thousand-levels",
    files: { [A]: `ref: p.broken\nentry_point: hello.sh\nmeta: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n` },
    expect: [diag("PS1005", A, 3, 106, { message: /maxDepth/ })],
  },
  {
    name: "billion-laughs-alias-bomb",
    files: { "p/actions/lol.yaml": billionLaughs() },
    // Reported where the count passes the limit: an item of the first anchor, reached through the aliases.
    expect: [diag("PS1006", "p/actions/lol.yaml", 4, 42)],
  },
  {
    name: "scalar-longer-than-256-kib",
    files: { [A]: `ref: p.broken\nentry_point: hello.sh\ndescription: "${"y".repeat(300 * 1024)}"\n` },
    expect: [diag("PS1007", A, 3, 14)],
  },
  {
    name: "number-without-json-form",
    files: {
      [A]: yaml`
        ref: p.broken
        entry_point: hello.sh
        timeout: .inf
      `,
    },
    expect: [diag("PS1008", A, 3, 10)],
  },
  {
    name: "two-yaml-documents",
    files: {
      [A]: yaml`
        ref: p.broken
        entry_point: hello.sh
        ---
        ref: p.second
      `,
    },
    expect: [diag("PS1009", A, 3, 1)],
  },
  {
    name: "empty-file",
    files: { [A]: "" },
    expect: [diag("PS1010", A, 1, 1)],
  },
  {
    name: "file-with-only-comments",
    files: { "p/rules/todo.yaml": "# TODO: write this rule\n" },
    expect: [diag("PS1010", "p/rules/todo.yaml", 1, 1)],
  },
  {
    name: "unreadable-file",
    files: { [A]: "ref: p.broken\nentry_point: hello.sh\n" },
    setup: (root) => fs.chmodSync(path.join(root, A), 0o000),
    skip: process.getuid?.() === 0 ? "file permissions do not bind root" : undefined,
    expect: [diag("PS1004", A, 1, 1)],
  },
]
