/** PS4005-PS4008, PS4010, PS4011, PS4019, PS4020: parameter schemas, defaults, secrets, versions. */
import { diag, yaml, type CorpusCase } from "../workspace.js"

const A = "p/actions/a.yaml"

export const parameterCases: ReadonlyArray<CorpusCase> = [
  {
    name: "parameter-positions-duplicated",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          src: {type: string, position: 0}
          dst: {type: string, position: 0}
      `,
    },
    expect: [diag("PS4005", A, 5, 33, { message: /position 0 is used by "src" and "dst"/ })],
  },
  {
    name: "parameter-positions-with-a-gap",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          src: {type: string, position: 0}
          dst: {type: string, position: 2}
      `,
    },
    expect: [diag("PS4005", A, 5, 33, { message: /leaves a gap \(expected 1\)/ })],
  },
  {
    name: "immutable-parameter-without-default",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          mode: {type: string, immutable: true}
      `,
    },
    expect: [diag("PS4006", A, 4, 9)],
  },
  {
    name: "defaults-that-do-not-match-their-schema",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          retries: {type: integer, default: three}
          method: {type: string, enum: [GET, POST], default: PATCH}
          timeout: {type: integer, minimum: 1, default: 0}
          ratio: {type: number, maximum: 1, default: 1.5}
          tags:
            type: array
            items: {type: string}
            default: [a, 2]
      `,
    },
    expect: [
      diag("PS4007", A, 4, 37, { message: /must be integer/ }),
      diag("PS4007", A, 5, 54, { message: /allowed values/ }),
      diag("PS4007", A, 6, 49, { message: />= 1/ }),
      diag("PS4007", A, 7, 46, { message: /<= 1/ }),
      diag("PS4007", A, 11, 14),
    ],
  },
  {
    name: "json-schema-parameters-default-mismatch",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          type: object
          properties:
            port:
              type: integer
              maximum: 65535
              default: 70000
      `,
    },
    expect: [diag("PS4007", A, 9, 16)],
  },
  {
    name: "secret-parameter-with-literal-default",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          token: {type: string, secret: true, default: hunter2}
          key: {type: string, secret: true, default: "secret:deploy_key"}
      `,
    },
    expect: [diag("PS4008", A, 4, 48)],
  },
  {
    name: "secret-pack-config-value",
    files: {
      "p/pack.yaml": yaml`
        ref: p
        version: "1.0.0"
        dependencies: [core]
        conf_schema:
          api_token: {type: string, secret: true}
          region: {type: string}
        config:
          api_token: s3cr3t
          region: eu-west-1
      `,
    },
    expect: [diag("PS4008", "p/pack.yaml", 8, 14)],
  },
  {
    name: "pack-config-with-a-key-the-schema-forbids",
    files: {
      "p/pack.yaml": yaml`
        ref: p
        version: "1.0.0"
        dependencies: [core]
        conf_schema:
          type: object
          properties:
            region: {type: string}
          additionalProperties: false
        config:
          region: eu
          zone: b
      `,
    },
    expect: [diag("PS4020", "p/pack.yaml", 11, 9, { message: /"zone"/ })],
  },
  {
    name: "invalid-schema-keywords-reported-once",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          id: {type: strin, default: 3}
          token: {type: string, secret: "yes"}
          b: {type: string, position: 1.5}
          c: {type: string, immutable: 1, default: x}
      `,
    },
    // The bad keyword is dropped: the default is not checked against it, nothing is reported twice.
    expect: [
      diag("PS2006", A, 4, 14),
      diag("PS2003", A, 5, 33),
      diag("PS2003", A, 6, 31),
      diag("PS2003", A, 7, 32),
    ],
  },
  {
    name: "pack-config-not-matching-conf-schema",
    files: {
      "p/pack.yaml": yaml`
        ref: p
        version: "1.0.0"
        dependencies: [core]
        conf_schema:
          workers: {type: integer, minimum: 1}
        config:
          workers: none
      `,
    },
    expect: [diag("PS4020", "p/pack.yaml", 7, 12)],
  },
  {
    name: "parameter-pattern-that-does-not-compile",
    files: {
      [A]: yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          host: {type: string, pattern: "([a-z", default: example}
      `,
    },
    expect: [diag("PS4019", A, 4, 33)],
  },
  {
    name: "pack-version-not-semver",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0"\ndependencies: [core]\n' },
    expect: [diag("PS4010", "p/pack.yaml", 2, 10)],
  },
  {
    name: "runtime-version-not-a-version",
    files: {
      "p/runtimes/lua.yaml": yaml`
        ref: p.lua
        name: Lua
        versions:
          - version: "5.4"
          - version: latest
      `,
    },
    expect: [diag("PS4010", "p/runtimes/lua.yaml", 5, 14)],
  },
  {
    name: "version-ranges-that-do-not-parse",
    files: {
      "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: ["core@>=one"]\n',
      [A]: yaml`
        ref: p.a
        runner_type: python
        entry_point: hello.sh
        runtime_version: ">>3.12"
        required_worker_runtimes:
          node: "twenty"
          python: "3.12"
      `,
    },
    expect: [
      diag("PS4011", "p/pack.yaml", 3, 16),
      diag("PS4011", A, 4, 18),
      diag("PS4011", A, 6, 9),
    ],
  },
]
