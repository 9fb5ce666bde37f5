/** PS2xxx: documents that parse but do not fit their kind's schema, and refs that are malformed or misplaced. */
import { diag, yaml, type CorpusCase } from "../workspace.js"

const A = "p/actions/a.yaml"

export const decodeCases: ReadonlyArray<CorpusCase> = [
  {
    name: "document-is-a-list",
    files: { [A]: "- ref: p.a\n- entry_point: hello.sh\n" },
    expect: [diag("PS2005", A, 1, 1)],
  },
  {
    name: "document-is-a-scalar",
    files: { "p/rules/r.yaml": "just some text\n" },
    expect: [diag("PS2005", "p/rules/r.yaml", 1, 1)],
  },
  {
    name: "unknown-key-with-did-you-mean",
    files: {
      [A]: yaml`
        ref: p.a
        entry_piont: hello.sh
      `,
    },
    // The misspelt key is dropped, so the action also lacks its entry point.
    expect: [
      diag("PS2001", A, 2, 1, { hint: 'did you mean "entry_point"?' }),
      diag("PS2002", A, 1, 1),
    ],
  },
  {
    name: "unknown-key-without-close-match-lists-known-keys",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        colour: red
      `,
    },
    expect: [diag("PS2001", A, 3, 1, { hint: /^known keys: ref, name, label, description, enabled, runner_type, entry_point,/ })],
  },
  {
    name: "unknown-keys-at-several-depths",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: hello
        action_prams: {name: x}
        conditions:
          - field: host
            operatr: equals
            value: a
      `,
    },
    // Without its (misspelt) action_params the rule gives p.hello no `name` (reported where p.hello is named).
    expect: [
      diag("PS2001", "p/rules/r.yaml", 4, 1, { hint: 'did you mean "action_params"?' }),
      diag("PS4027", "p/rules/r.yaml", 3, 13),
      diag("PS2002", "p/rules/r.yaml", 6, 5, { message: /"operator"/ }),
      diag("PS2001", "p/rules/r.yaml", 7, 5, { hint: 'did you mean "operator"?' }),
    ],
  },
  {
    name: "unknown-parameter-keyword",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          name: {type: string, requird: true}
      `,
    },
    expect: [diag("PS2001", A, 4, 24, { hint: 'did you mean "required"?' })],
  },
  {
    name: "rule-missing-required-key",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
      `,
    },
    expect: [diag("PS2002", "p/rules/r.yaml", 1, 1, { message: /"action_ref"/ })],
  },
  {
    name: "pack-missing-version",
    files: { "p/pack.yaml": "ref: p\ndependencies: [core]\n" },
    expect: [diag("PS2002", "p/pack.yaml", 1, 1, { message: /"version"/ })],
  },
  {
    name: "task-missing-action",
    files: {
      "p/workflows/w.yaml": yaml`
        ref: p.w
        tasks:
          - name: first
            input: {}
      `,
    },
    expect: [diag("PS2002", "p/workflows/w.yaml", 3, 5, { message: /"action"/ })],
  },
  {
    name: "wrong-type-quoted-number",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        timeout: "30"
      `,
    },
    expect: [diag("PS2003", A, 3, 10)],
  },
  {
    name: "yaml-1-1-yes-is-a-string-not-a-boolean",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        enabled: yes
      `,
    },
    expect: [diag("PS2003", A, 3, 10)],
  },
  {
    name: "wrong-types-reported-together",
    files: {
      "p/sensors/s.py": "print(1)\n",
      "p/sensors/s.yaml": yaml`
        ref: p.s
        runner_type: python
        entry_point: s.py
        trigger_types: core.intervaltimer
        poll_interval: 0
        tags: {a: 1}
      `,
    },
    expect: [
      diag("PS2003", "p/sensors/s.yaml", 4, 16),
      diag("PS2004", "p/sensors/s.yaml", 5, 16),
      diag("PS2003", "p/sensors/s.yaml", 6, 7),
    ],
  },
  {
    name: "bad-enum-value-with-suggestion",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        output_format: jsn
      `,
    },
    expect: [diag("PS2004", A, 3, 16, { hint: 'did you mean "json"?' })],
  },
  {
    name: "parameter-delivery-env-is-not-supported",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameter_delivery: env
      `,
    },
    expect: [diag("PS2004", A, 3, 21, { message: /"stdin", "file"/ })],
  },
  {
    name: "ref-with-uppercase",
    files: { [A]: "ref: p.Greet\nentry_point: hello.sh\n" },
    expect: [diag("PS2007", A, 1, 6, { hint: 'refs are lowercase: "p.greet"' })],
  },
  {
    name: "ref-with-uppercase-whose-lowercase-is-taken",
    // p.hello is the base pack's action: proposing it would make two components collide.
    files: { [A]: "ref: p.Hello\nentry_point: hello.sh\n" },
    expect: [diag("PS2007", A, 1, 6, { hint: /^a ref is <pack>\.<name> in lowercase .* no other component of the pack has$/ })],
  },
  {
    name: "ref-with-two-dots",
    files: { [A]: "ref: p.a.b\nentry_point: hello.sh\n" },
    expect: [diag("PS2007", A, 1, 6)],
  },
  {
    name: "pack-ref-invalid",
    files: { "p/pack.yaml": 'ref: "2p"\nversion: "1.0.0"\ndependencies: [core]\n' },
    expect: [diag("PS2007", "p/pack.yaml", 1, 6)],
  },
  {
    name: "dependency-ref-invalid",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: [core, Core]\n' },
    expect: [diag("PS2007", "p/pack.yaml", 3, 22)],
  },
  {
    name: "ref-of-another-pack",
    files: { [A]: "ref: core.mine\nentry_point: hello.sh\n" },
    expect: [diag("PS2008", A, 1, 6, { hint: 'use "p.mine"' })],
  },
  {
    name: "runtime-pack-ref-of-another-pack",
    files: { "p/runtimes/lua.yaml": "ref: p.lua\npack_ref: core\nname: Lua\n" },
    expect: [diag("PS2008", "p/runtimes/lua.yaml", 2, 11)],
  },
  {
    name: "component-without-ref-or-name",
    files: { "p/triggers/t.yaml": "label: Nameless\ndescription: has no ref\n" },
    expect: [diag("PS2009", "p/triggers/t.yaml", 1, 1)],
  },
  {
    name: "runtime-without-ref",
    files: { "p/runtimes/lua.yaml": "name: Lua\naliases: [lua]\n" },
    expect: [diag("PS2009", "p/runtimes/lua.yaml", 1, 1)],
  },
  {
    name: "output-and-output-schema-both-given",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        output:
          ok: {type: boolean}
        output_schema:
          count: {type: integer}
      `,
    },
    expect: [diag("PS2010", A, 5, 1)],
  },
  {
    name: "output-given-three-ways",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        output:
          ok: {type: boolean}
        output_schema:
          count: {type: integer}
        out_schema:
          extra: {type: string}
      `,
    },
    expect: [diag("PS2010", A, 5, 1), diag("PS2010", A, 7, 1)],
  },
  {
    name: "system-and-is-standard-disagree",
    files: {
      "p/pack.yaml": yaml`
        ref: p
        version: "1.0.0"
        dependencies: [core]
        system: true
        is_standard: false
      `,
    },
    expect: [diag("PS2012", "p/pack.yaml", 5, 14, { hint: "keep one of them (system: true, is_standard: false)" })],
  },
  {
    name: "rule-permission-set-ref-spellings-disagree",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: p.hello
        action_params: {name: x}
        trigger_params: {unit: seconds, interval: 5}
        permission_set_refs: [a, b]
        permission_set_ref: a
      `,
    },
    expect: [diag("PS2012", "p/rules/r.yaml", 7, 21)],
  },
  {
    name: "decision-branch-without-target",
    files: {
      "p/workflows/w.yaml": yaml`
        ref: p.w
        tasks:
          - name: check
            action: p.hello
            input: {name: x}
            decision:
              - when: "{{ succeeded() }}"
      `,
    },
    expect: [diag("PS2002", "p/workflows/w.yaml", 7, 9)],
  },
  {
    name: "orquesta-workflow-left-out",
    files: {
      "p/workflows/w.yaml": yaml`
        version: 1.0
        input:
          - name
        tasks:
          greet:
            action: p.hello
            input: {name: "<% ctx(name) %>"}
            next:
              - when: <% succeeded() %>
                do: noop
      `,
    },
    expect: [diag("PS2013", "p/workflows/w.yaml", 4, 1)],
  },
  {
    name: "distributions-key-close-to-verification",
    files: {
      "p/runtimes/lua.yaml": yaml`
        ref: p.lua
        name: Lua
        distributions:
          verifcation:
            commands: [{binary: lua, args: [-v]}]
          languages: [lua]
      `,
    },
    expect: [diag("PS2014", "p/runtimes/lua.yaml", 4, 3, { hint: 'did you mean "verification"?' })],
  },
  {
    name: "name-and-ref-disagree",
    files: {
      [A]: yaml`
        ref: p.a
        name: b
        entry_point: hello.sh
      `,
    },
    expect: [diag("PS2011", A, 2, 7)],
  },
  {
    name: "parameter-type-misspelt",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          count: {type: int}
      `,
    },
    expect: [diag("PS2006", A, 4, 17)],
  },
  {
    name: "parameter-schema-of-type-array",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          type: array
          items: {type: string}
      `,
    },
    expect: [diag("PS2006", A, 4, 9)],
  },
  {
    name: "entry-point-and-workflow-file-both-given",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        workflow_file: workflows/a.workflow.yaml
      `,
      "p/actions/workflows/a.workflow.yaml": yaml`
        tasks:
          - name: only
            action: core.noop
      `,
    },
    expect: [diag("PS2004", A, 2, 1)],
  },
  {
    name: "agent-capability-outside-the-grammar",
    files: {
      "p/agents/bot.yaml": yaml`
        apiVersion: scarab/v1
        kind: AgentManifest
        metadata: {name: bot, version: 1.0.0}
        spec:
          trust_level: untrusted
          capabilities:
            - fs.read
            - "invoke everything"
            - Tool.Invoke:echo
      `,
    },
    expect: [
      diag("PS2004", "p/agents/bot.yaml", 8, 7),
      diag("PS2004", "p/agents/bot.yaml", 9, 7),
    ],
  },
  {
    name: "agent-name-invalid",
    files: {
      "p/agents/bot.yaml": yaml`
        apiVersion: scarab/v1
        kind: AgentManifest
        metadata: {name: My Bot, version: 1.0.0}
        spec: {trust_level: sandboxed, capabilities: []}
      `,
    },
    expect: [diag("PS2007", "p/agents/bot.yaml", 3, 18)],
  },
]
