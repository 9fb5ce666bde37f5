/** Bytes and YAML features that must neither shift positions nor slip past the schema. */
import { diag, type CorpusCase } from "../workspace.js"

const A = "p/actions/a.yaml"

export const encodingCases: ReadonlyArray<CorpusCase> = [
  {
    name: "crlf-line-endings-keep-positions",
    files: { [A]: "ref: p.a\r\nentry_point: hello.sh\r\ntimeout: -1\r\ncolor: red\r\n" },
    expect: [diag("PS2004", A, 3, 10), diag("PS2001", A, 4, 1)],
  },
  {
    name: "cr-only-line-endings-keep-positions",
    files: { [A]: "ref: p.a\rentry_point: hello.sh\rtimeout: -1\rcolor: red\r" },
    expect: [diag("PS2004", A, 3, 10), diag("PS2001", A, 4, 1)],
  },
  {
    name: "byte-order-mark-keeps-positions",
    files: { [A]: "\uFEFFref: p.a\nentry_point: hello.sh\ncolor: red\n" },
    expect: [diag("PS2001", A, 3, 1)],
  },
  {
    name: "invalid-utf-8",
    files: { [A]: Buffer.concat([Buffer.from("ref: p.a\nentry_point: hello.sh\ndescription: caf"), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]) },
    expect: [diag("PS1003", A, 3, 17)],
  },
  {
    name: "nul-byte-in-a-value",
    files: { [A]: "ref: p.a\nentry_point: hello.sh\ndescription: a\u0000b\n" },
    expect: [diag("PS1003", A, 3, 15)],
  },
  {
    name: "javascript-function-tag",
    files: { [A]: "ref: p.a\nentry_point: hello.sh\ndescription: !!js/function 'function () { return 1 }'\n" },
    expect: [diag("PS1003", A, 3, 14, { message: /unknown tag/ })],
  },
  {
    name: "binary-and-custom-tags",
    files: { [A]: "ref: p.a\nentry_point: hello.sh\nmeta:\n  blob: !!binary aGVsbG8=\n" },
    expect: [diag("PS1003", A, 4, 9, { message: /unknown tag/ })],
  },
  {
    name: "merge-key-is-not-expanded",
    files: { [A]: "ref: p.a\nentry_point: hello.sh\nbase: &base {timeout: 5}\n<<: *base\n" },
    expect: [diag("PS2001", A, 3, 1), diag("PS2001", A, 4, 1)],
  },
  {
    name: "proto-key-is-an-unknown-key",
    files: { [A]: "ref: p.a\nentry_point: hello.sh\n__proto__: {timeout: 5}\n" },
    expect: [diag("PS2001", A, 3, 1)],
  },
]
