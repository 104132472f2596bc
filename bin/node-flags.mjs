// The V8 flags a node process (`dynamo node`) runs with (issue 19, docs/performance.md). Two kinds:
// flags V8 reads as it runs, set from inside the process (RUNTIME_FLAGS), and flags that shape the
// heap, which V8 reads only when the process starts (HEAP_FLAGS): for those, bin/dynamo.mjs
// replaces the process with itself started with them (restartArgs), same pid, before any of the
// node's code runs.

/**
 * Allocation-site pretenuring off: it allocates straight into the old generation at sites whose
 * objects mostly survived, and a node's sites mix long-lived objects (stored versions, tree
 * paths) with temporaries (merged answers, copied tables), which then fill the old generation and
 * keep young objects alive (eleventh round: 1.07x and 1.05x the operations at 0.93x and 0.95x the
 * CPU). TurboFan after 1,000 calls rather than 3,000: the same compiling, sooner (thirteenth round).
 */
export const RUNTIME_FLAGS = "--no-allocation-site-pretenuring --invocation-count-for-turbofan=1000"

/**
 * A young generation of a fixed 32 MiB per semi-space. By default V8 starts it at 1 MiB, grows it
 * under load up to 64 MiB, and shrinks it again when the node idles: each growth maps pages the
 * kernel must zero, and more objects live long enough to be promoted while it is small, their old
 * pages freed and mapped again after each full collection. On a 2-vCPU VM a page fault cost about
 * 20 µs; five loaded nodes took 0.45-1.2 of them per operation, half as many with this
 * (nineteenth round).
 */
export const HEAP_FLAGS = ["--min-semi-space-size=32", "--max-semi-space-size=32"]

/** Set in the restarted process's environment: it is never restarted again. */
export const RESTARTED_ENV = "DYNAMO_NODE_RESTARTED"

/**
 * The arguments to start this process again with HEAP_FLAGS (`execve`'s argv, the Node binary
 * first), or undefined when it must not be: it already was, or whoever started it chose the
 * young generation's size themselves (on the command line or in NODE_OPTIONS), which is theirs to
 * choose.
 */
export const restartArgs = (execPath, execArgv, argv, env) => {
  if (env[RESTARTED_ENV] === "1") return undefined
  const chosen = (arg) => /^--(min|max)[-_]semi[-_]space[-_]size\b/.test(arg)
  if (execArgv.some(chosen) || (env.NODE_OPTIONS ?? "").split(/\s+/).some(chosen)) return undefined
  return [execPath, ...HEAP_FLAGS, ...execArgv, ...argv.slice(1)]
}
