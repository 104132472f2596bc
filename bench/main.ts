// `npm run bench [-- SECTION...]`: the figures the issues ask for, as tables. Sections: core
// (vector clocks, DVV, ring balance), sim (simulator throughput), anti-entropy, cluster (a real
// local cluster), cluster-costs (where a request's CPU goes), cluster-floor (the same load on
// nodes that do no protocol work: what this machine allows), handoff (how fast hints drain after
// an outage), coordination (server-driven against client-driven coordination: the paper's Table 2),
// campaign (AVAIL-1 under kill -9, SIGSTOP and restarts), join (a node joining a loaded cluster),
// zones (latency percentiles with the zones a wide-area link apart), versus-etcd (3 nodes against a
// 3-member etcd under the same load), put-timeline (a lone put's hops on the three nodes), startup (`dynamo node` to its ready line: the install-time
// bundle against tsx), check-census (the model checker's `medium`: states per level, and where
// they come from).
// With no section, every section but the cluster ones runs. The model checker reports its
// own figures: `npx dynamo check --preset small [--workers 1|2]`.
import { existsSync } from "node:fs"
import { buildBundle, bundleIsFresh } from "../scripts/build.mjs"

/**
 * `options`: the module's export that reads the section's flags from the command line (flags
 * follow the section names: `npm run bench -- versus-etcd --floor --nodes 5`).
 */
type Section = { readonly title: string; readonly file: string; readonly run: string; readonly options?: string; readonly heavy?: boolean }

const sections: Record<string, ReadonlyArray<Section>> = {
  core: [
    { title: "Vector clocks and DVV (operations per second)", file: "./clocks.ts", run: "clocksBench" },
    { title: "RING-3: load balance over 1M keys, strategies 1 and 3", file: "./ring.ts", run: "ringBench" },
    { title: "RING-3 per zone: replicas over data centers under the RING-4 rule", file: "./ring-zones.ts", run: "ringZonesBench" }
  ],
  sim: [{ title: "Simulator throughput (one core)", file: "./sim.ts", run: "simBench" }],
  "anti-entropy": [{ title: "Merkle anti-entropy and gossip convergence", file: "./anti-entropy.ts", run: "antiEntropyBench" }],
  cluster: [{ title: "Local cluster: throughput and latency", file: "./cluster.ts", run: "clusterBench", heavy: true }],
  "cluster-costs": [{ title: "Local cluster: CPU per request, one layer at a time", file: "./cluster-costs.ts", run: "clusterCostsBench", heavy: true }],
  "cluster-floor": [{ title: "Local cluster: the floor (the same load on protocol-free nodes)", file: "./cluster-floor.ts", run: "clusterFloorBench", heavy: true }],
  handoff: [{ title: "Local cluster: hinted handoff after an outage", file: "./handoff.ts", run: "handoffBench", heavy: true }],
  campaign: [{ title: "Local cluster: AVAIL-1 under kill -9, SIGSTOP and restarts (share of puts acknowledged)", file: "./campaign.ts", run: "campaignBench", heavy: true }],
  coordination: [{ title: "Local cluster: server-driven against client-driven coordination (the paper's Table 2)", file: "./coordination.ts", run: "coordinationBench", heavy: true }],
  join: [{ title: "Local cluster: a node joins a loaded cluster", file: "./join.ts", run: "joinBench", heavy: true }],
  zones: [{ title: "Zones: p50/p99/p99.9 over a wide-area link, against the paper's 300 ms", file: "./zones.ts", run: "zonesBench", heavy: true }],
  "versus-etcd": [{ title: "Local cluster against a 3-member etcd, the same load, alternating runs", file: "./versus-etcd.ts", run: "versusEtcdBench", options: "versusEtcdOptionsFromArgv", heavy: true }],
  "put-timeline": [{ title: "A lone put, hop by hop, on the nodes' clock", file: "./put-timeline.ts", run: "putTimelineBench", options: "putTimelineOptionsFromArgv", heavy: true }],
  "check-census": [{ title: "Model checker: how big medium is, and where its states come from (issue 23)", file: "./check-census.ts", run: "checkCensusBench", heavy: true }],
  startup: [{ title: "Node startup: the install-time bundle against tsx", file: "./startup.ts", run: "startupBench", heavy: true }]
}

// Section names come first; everything from the first flag on is the sections' flags (a flag's
// value, such as a path, is not taken for a section name).
const firstFlag = process.argv.slice(2).findIndex((a) => a.startsWith("-"))
const args = firstFlag === -1 ? process.argv.slice(2) : process.argv.slice(2, 2 + firstFlag)
const hasFlags = firstFlag !== -1
const unknown = args.filter((a) => !(a in sections))
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(", ")}; known: ${Object.keys(sections).join(", ")}`)
  process.exit(2)
}
const chosen = args.length > 0 ? args : Object.keys(sections).filter((name) => !sections[name]!.some((s) => s.heavy))
const flagless = chosen.filter((name) => sections[name]!.some((s) => s.options === undefined))
if (hasFlags && flagless.length > 0) {
  console.error(`bench section(s) ${flagless.join(", ")} take no flags here; run bench/<file>.ts directly with its flags`)
  process.exit(2)
}

// The cluster benches start their nodes through bin/dynamo.mjs, which runs the install-time bundle
// only while it is newer than every source file, and the sources through tsx otherwise: a bench
// run after an edit would measure tsx under the bundle's name. Rebuilt first, and said so.
if (!bundleIsFresh()) {
  try {
    await buildBundle()
    console.log("rebuilt dist/dynamo.mjs: src/ had changed since it was built\n")
  } catch (error) {
    console.log(`could not rebuild dist/dynamo.mjs (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): nodes run from the sources through tsx\n`)
  }
}

for (const name of chosen) {
  for (const section of sections[name]!) {
    const path = new URL(section.file, import.meta.url)
    if (!existsSync(path)) {
      console.log(`\n## ${section.title}\n\n(not available in this build: ${section.file} is missing)`)
      continue
    }
    const module = (await import(path.href)) as Record<string, (options?: unknown) => unknown>
    const run = module[section.run] as ((options?: unknown) => Promise<string>) | undefined
    if (run === undefined) throw new Error(`${section.file} does not export ${section.run}`)
    const optionsOf = section.options === undefined ? undefined : module[section.options]
    if (section.options !== undefined && optionsOf === undefined) throw new Error(`${section.file} does not export ${section.options}`)
    const started = performance.now()
    const table = await run(optionsOf?.())
    console.log(`\n## ${section.title}\n\n${table}\n\n(${((performance.now() - started) / 1000).toFixed(1)} s)`)
  }
}
