/**
 * A hint that proposes a ref, a key or a name leads to a valid pack when followed: it never proposes what
 * another component has, what another hint proposes, what is there already, or the pack itself.
 */
import { diag, yaml, type CorpusCase } from "../workspace.js"

export const hintCases: ReadonlyArray<CorpusCase> = [
  {
    name: "refs-of-other-packs-that-one-fix-would-make-collide",
    files: {
      "p/actions/groups.yaml": "ref: groups.rename\nentry_point: hello.sh\n",
      "p/actions/channels.yaml": "ref: channels.rename\nentry_point: hello.sh\n",
      "p/actions/conversations.yaml": "ref: conversations.rename\nentry_point: hello.sh\n",
    },
    // "p.rename" for all three would be three components with one ref: each is told a ref of its own.
    expect: [
      diag("PS2008", "p/actions/channels.yaml", 1, 6, { hint: 'use "p.channels_rename"' }),
      diag("PS2008", "p/actions/conversations.yaml", 1, 6, { hint: 'use "p.conversations_rename"' }),
      diag("PS2008", "p/actions/groups.yaml", 1, 6, { hint: 'use "p.groups_rename"' }),
    ],
  },
  {
    name: "ref-of-another-pack-whose-name-is-taken-here",
    files: { "p/actions/a.yaml": "ref: core.hello\nentry_point: hello.sh\n" },
    expect: [diag("PS2008", "p/actions/a.yaml", 1, 6, { hint: 'use "p.core_hello"' })],
  },
  {
    name: "ref-of-another-pack-with-every-proposal-taken",
    files: {
      "p/actions/a.yaml": "ref: core.hello\nentry_point: hello.sh\n",
      "p/actions/b.yaml": "ref: p.core_hello\nentry_point: hello.sh\n",
    },
    expect: [diag("PS2008", "p/actions/a.yaml", 1, 6, { hint: 'a ref in pack "p" is "p.<name>", with a name no other component of the pack has' })],
  },
  {
    name: "ref-of-another-pack-taken-only-in-another-section",
    // The base pack's action p.hello does not stand in the way of a rule p.hello: refs are unique per kind.
    files: { "p/rules/r.yaml": "ref: core.hello\ntrigger_ref: core.intervaltimer\naction_ref: hello\naction_params: {name: x}\n" },
    expect: [diag("PS2008", "p/rules/r.yaml", 1, 6, { hint: 'use "p.hello"' })],
  },
  {
    name: "unknown-key-whose-nearest-key-is-there-already",
    files: { "p/actions/hello.yaml": "ref: p.hello\nentry_point: hello.sh\nlabel: Hello\nlable: Hi\n" },
    expect: [diag("PS2001", "p/actions/hello.yaml", 4, 1, { hint: /^known keys: / })],
  },
  {
    name: "unknown-schema-keyword-whose-nearest-keyword-is-there-already",
    files: { "p/actions/hello.yaml": "ref: p.hello\nentry_point: hello.sh\nparameters:\n  name: {type: string, tpye: string}\n" },
    expect: [diag("PS2001", "p/actions/hello.yaml", 4, 24, { hint: "custom keywords start with x-" })],
  },
  {
    name: "runtime-ref-named-by-an-alias",
    files: { "p/actions/a.yaml": "ref: p.a\nrunner_type: core.bash\nentry_point: hello.sh\n" },
    expect: [diag("PS3001", "p/actions/a.yaml", 2, 14, { hint: 'did you mean "core.shell"?' })],
  },
  {
    name: "runtime-name-nothing-is-called",
    files: { "p/actions/a.yaml": "ref: p.a\nrunner_type: cobol\nentry_point: hello.sh\n" },
    expect: [diag("PS3001", "p/actions/a.yaml", 2, 14, { hint: /^no runtime has the name or alias "cobol" \(runtimes here: [a-z, ]+\); to add one, define it in .*p\/runtimes$/ })],
  },
  {
    name: "runtime-core-does-not-define",
    files: { "p/actions/a.yaml": "ref: p.a\nrunner_type: deno\nentry_point: hello.sh\n" },
    expect: [diag("PS3001", "p/actions/a.yaml", 2, 14, { hint: /^the core pack compiled \(.*core\) has no runtime "core\.deno"; its runtimes include core\..*: define it in .*core\/runtimes, or leave that pack out to use packsmith's own \(.*packs\/core\)$/ })],
  },
  {
    name: "dependency-close-only-to-the-pack-itself",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: [core, pp]\n' },
    expect: [diag("PS3004", "p/pack.yaml", 3, 22, { hint: 'pack "pp" is not among the compiled packs; add its directory to the paths' })],
  },
  {
    name: "action-in-a-compiled-pack-with-nothing-close",
    files: {
      "p/workflows/w.yaml": yaml`
        ref: p.w
        tasks:
          - name: only
            action: core.deploy_everything
      `,
    },
    expect: [diag("PS3003", "p/workflows/w.yaml", 4, 13, { hint: /^the core pack compiled \(.*core\) has no action "core\.deploy_everything"; its actions include core\.[a-z_]+/ })],
  },
]
