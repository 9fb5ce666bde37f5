/**
 * PGlite's Node filesystem with every file it creates private to the owner (0600 files, 0700 directories),
 * whatever the process umask. PostgreSQL in WebAssembly asks for 0666/0777 (initdb's files are copied in
 * with emscripten's defaults), and Emscripten's NODEFS passes those modes to `fs` as they are. Masking them
 * where NODEFS creates a node leaves no window in which a file exists with wider permissions, which a
 * chmod afterwards would, and unlike `process.umask` it does not change how the rest of the process writes.
 */
import { NodeFS } from "@electric-sql/pglite/nodefs"

type EmscriptenOptions = Parameters<NodeFS["init"]>[1]
type PostgresModule = Parameters<NonNullable<EmscriptenOptions["preRun"]>[number]>[0]

/** Group and other bits, cleared from every mode PGlite's filesystem creates or sets. */
const NOT_OWNER = 0o077

interface NodeOps {
  mknod: (parent: unknown, name: string, mode: number, dev: number) => unknown
  setattr: (node: unknown, attr: { mode?: number }) => void
}

const masked = Symbol("packsmith.privateModes")

/** Wraps NODEFS's node operations (shared by every node of the mount) once per PGlite module. */
const makeModesPrivate = (nodefs: { node_ops: NodeOps; [masked]?: true }) => {
  if (nodefs[masked] === true) return
  const { mknod, setattr } = nodefs.node_ops
  nodefs.node_ops.mknod = (parent, name, mode, dev) => mknod(parent, name, mode & ~NOT_OWNER, dev)
  nodefs.node_ops.setattr = (node, attr) =>
    setattr(node, attr.mode === undefined ? attr : { ...attr, mode: attr.mode & ~NOT_OWNER })
  nodefs[masked] = true
}

export class PrivateNodeFS extends NodeFS {
  override async init(pg: Parameters<NodeFS["init"]>[0], opts: EmscriptenOptions): Promise<{ emscriptenOpts: EmscriptenOptions }> {
    const { emscriptenOpts } = await super.init(pg, opts)
    const mountAfterMasking = [
      (module: PostgresModule) => makeModesPrivate(module.NODEFS as unknown as { node_ops: NodeOps }),
      ...(emscriptenOpts.preRun ?? []),
    ]
    return { emscriptenOpts: { ...emscriptenOpts, preRun: mountAfterMasking } }
  }
}
