/** PS1012, PS4001-PS4004, PS4009, PS4026, PS5001: files of a pack on disk, entry points, duplicate refs, pack directories, host paths. */
import * as fs from "node:fs"
import * as path from "node:path"
import { diag, yaml, type CorpusCase } from "../workspace.js"

const A = "p/actions/a.yaml"

export const fileCases: ReadonlyArray<CorpusCase> = [
  {
    name: "entry-point-missing-with-nearest-file",
    files: { [A]: "ref: p.a\nentry_point: helo.sh\n" },
    expect: [diag("PS4001", A, 2, 14, { hint: 'did you mean "hello.sh"?' })],
  },
  {
    name: "entry-point-written-relative-to-the-pack",
    files: { [A]: "ref: p.a\nentry_point: actions/hello.sh\n" },
    expect: [diag("PS4001", A, 2, 14, { hint: 'entry points are relative to actions/: write "hello.sh"' })],
  },
  {
    name: "sensor-entry-point-missing",
    files: {
      "p/sensors/s.yaml": yaml`
        ref: p.s
        runner_type: python
        entry_point: watch.py
        trigger_types: [core.intervaltimer]
      `,
    },
    expect: [diag("PS4001", "p/sensors/s.yaml", 3, 14)],
  },
  {
    name: "entry-point-climbs-out-with-dot-dot",
    files: { [A]: "ref: p.a\nentry_point: ../../core/actions/echo.sh\n" },
    expect: [diag("PS4002", A, 2, 14)],
  },
  {
    name: "entry-point-absolute-path",
    files: { [A]: "ref: p.a\nrunner_type: native\nentry_point: /usr/bin/env\n" },
    expect: [diag("PS4002", A, 3, 14)],
  },
  {
    name: "entry-point-symlink-leaving-the-pack",
    files: { [A]: "ref: p.a\nentry_point: link.sh\n", "outside.sh": "#!/bin/sh\necho outside\n" },
    setup: (root) => fs.symlinkSync(path.join(root, "outside.sh"), path.join(root, "p/actions/link.sh")),
    expect: [diag("PS4002", A, 2, 14)],
  },
  {
    name: "entry-point-relative-symlink-leaving-the-pack",
    files: { [A]: "ref: p.a\nentry_point: lib/run.sh\n", "shared/run.sh": "#!/bin/sh\n" },
    setup: (root) => fs.symlinkSync("../../shared", path.join(root, "p/actions/lib")),
    expect: [diag("PS4002", A, 2, 14)],
  },
  {
    name: "entry-point-through-a-file",
    files: { [A]: "ref: p.a\nentry_point: hello.sh/run\n" },
    expect: [diag("PS4001", A, 2, 14)],
  },
  {
    name: "entry-point-name-too-long-for-the-filesystem",
    files: { [A]: `ref: p.a\nentry_point: ${"x".repeat(300)}.sh\n` },
    expect: [diag("PS4001", A, 2, 14)],
  },
  {
    name: "symlink-loops-in-a-pack",
    files: { [A]: "ref: p.a\nentry_point: loop.sh\n" },
    // A looping kind directory holds no files; a looping entry point names none.
    setup: (root) => {
      fs.symlinkSync("loop.sh", path.join(root, "p/actions/loop.sh"))
      fs.symlinkSync("rules", path.join(root, "p/rules"))
    },
    expect: [diag("PS4001", A, 2, 14)],
  },
  {
    name: "kind-directory-symlink-leaving-the-pack",
    // The trigger outside is not read: no component comes from it, and the rule's ref to it does not resolve.
    files: { "elsewhere/t.yaml": "ref: p.outside\n", "p/rules/r.yaml": "ref: p.r\ntrigger_ref: outside\naction_ref: hello\naction_params: {name: x}\n" },
    setup: (root) => fs.symlinkSync("../elsewhere", path.join(root, "p/triggers")),
    expect: [diag("PS4002", "p/triggers", 1, 1), diag("PS3002", "p/rules/r.yaml", 2, 14)],
  },
  {
    name: "yaml-symlink-leaving-the-pack-or-leading-nowhere",
    files: { "outside.yaml": "ref: p.outside\n" },
    setup: (root) => {
      fs.mkdirSync(path.join(root, "p/triggers"))
      fs.symlinkSync("../../outside.yaml", path.join(root, "p/triggers/out.yaml"))
      fs.symlinkSync("missing.yaml", path.join(root, "p/triggers/dangling.yaml"))
    },
    expect: [diag("PS1004", "p/triggers/dangling.yaml", 1, 1), diag("PS4002", "p/triggers/out.yaml", 1, 1)],
  },
  {
    name: "manifest-symlink-leaving-the-pack",
    // The manifest is not read (nothing of the file it names is shown); the pack's other files still are.
    files: { "p/pack.yaml": null, "passwd": "root:x:0:0:root:/root:/bin/bash\n" },
    setup: (root) => fs.symlinkSync("../passwd", path.join(root, "p/pack.yaml")),
    expect: [diag("PS4002", "p/pack.yaml", 1, 1, { message: /^pack\.yaml is a symlink that leads outside the pack/ })],
  },
  {
    name: "stackstorm-files-and-folders-packsmith-does-not-read",
    files: {
      "p/config.schema.yaml": "api_key: {type: string, secret: true}\n",
      "p/aliases/greet.yaml": "name: greet\naction_ref: p.hello\n",
      "p/policies/retry.yaml": "name: retry\npolicy_type: action.retry\n",
      "p/tests/test_hello.py": "def test(): pass\n",
      "p/actions/lib/common.sh": "greet() { echo hi; }\n",
      "p/actions/bin/run.sh": "#!/bin/sh\n",
      "p/actions/run.yaml": "ref: p.run\nentry_point: bin/run.sh\n",
      // For people and tools: never warned about.
      "p/README.md": "# p\n", "p/LICENSE": "Apache-2.0\n", "p/icon.png": "png", "p/requirements.txt": "requests\n",
      "p/p.yaml.example": "api_key: x\n", "p/.github/workflows/ci.yml": "on: push\n", "p/docs/index.md": "docs\n",
    },
    // actions/bin/ holds an entry point, so it is read.
    expect: [
      diag("PS1012", "p/actions/lib", 1, 1, { message: /^actions\/lib\/ is not read$/, hint: /^shared code is not in the bundle/ }),
      diag("PS1012", "p/aliases", 1, 1, { hint: /aliases .* not supported/ }),
      diag("PS1012", "p/config.schema.yaml", 1, 1, { hint: /`conf_schema` in pack\.yaml/ }),
      diag("PS1012", "p/policies", 1, 1, { hint: /policies are not supported/ }),
      diag("PS1012", "p/tests", 1, 1, { hint: /does not run a pack's tests/ }),
    ],
  },
  {
    name: "yaml-files-and-folders-in-places-no-kind-reads",
    files: {
      "p/pack.yml": 'ref: p\nversion: "2.0.0"\n',
      "p/notes.yaml": "todo: everything\n",
      "p/actionz/typo.yaml": "ref: p.typo\n",
      "p/rules/old/r.yaml": "ref: p.old\n",
    },
    expect: [
      diag("PS1012", "p/actionz", 1, 1, { hint: /^packsmith reads the folders runtimes\/, actions\// }),
      diag("PS1012", "p/notes.yaml", 1, 1, { hint: /^packsmith reads YAML files in / }),
      diag("PS1012", "p/pack.yml", 1, 1, { hint: "the pack's manifest is pack.yaml: keep one of the two" }),
      diag("PS1012", "p/rules/old", 1, 1, { hint: "only the YAML files directly in rules/ are read" }),
    ],
  },
  {
    name: "workflow-file-climbs-out",
    files: { "p/actions/deploy.yaml": "ref: p.deploy\nworkflow_file: ../../core/deploy.workflow.yaml\n" },
    expect: [diag("PS4002", "p/actions/deploy.yaml", 2, 16)],
  },
  {
    name: "entry-point-is-a-directory",
    files: { [A]: "ref: p.a\nrunner_type: python\nentry_point: lib\n" },
    setup: (root) => fs.mkdirSync(path.join(root, "p/actions/lib")),
    expect: [diag("PS4003", A, 3, 14)],
  },
  {
    name: "native-entry-point-is-a-host-binary",
    files: { [A]: "ref: p.a\nrunner_type: native\nentry_point: attune-timer\n" },
    expect: [diag("PS4004", A, 3, 14)],
  },
  {
    name: "duplicate-ref-across-files",
    files: { "p/actions/hello2.yaml": "ref: p.hello\nentry_point: hello.sh\n" },
    expect: [diag("PS4009", "p/actions/hello2.yaml", 1, 6, { message: /p\/actions\/hello\.yaml/ })],
  },
  {
    name: "duplicate-ref-short-name-and-full-ref",
    files: { "p/triggers/a.yaml": "ref: p.alert\n", "p/triggers/b.yaml": "name: alert\n" },
    expect: [diag("PS4009", "p/triggers/b.yaml", 1, 7)],
  },
  {
    name: "two-packs-with-one-ref",
    files: { "q/pack.yaml": 'ref: p\nversion: "2.0.0"\n' },
    expect: [diag("PS4009", "q/pack.yaml", 1, 6), diag("PS4026", "q/pack.yaml", 1, 6)],
  },
  {
    name: "pack-directory-named-differently",
    files: {
      "p/pack.yaml": null,
      "p/actions/hello.yaml": null,
      "p/actions/hello.sh": null,
      "tools/pack.yaml": 'ref: toolbox\nversion: "1.0.0"\n',
    },
    expect: [diag("PS4026", "tools/pack.yaml", 1, 6)],
  },
  {
    name: "yaml-names-the-compiling-machines-path",
    files: { [A]: (root) => `ref: p.a\nentry_point: hello.sh\ndescription: built from ${root}/p\n` },
    expect: [diag("PS5001", A, 3, 25)],
  },
]
