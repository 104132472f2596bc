// `dynamo conform --check` as a user runs it: a recorded history (a hand-written lost update
// under per-server clocks) is re-checked alone, the report and the timeline page are written, and
// the exit code says what was found. Catches a command that is not registered, exits 0 on a
// finding, or writes a page that does not link the anomaly to its operations.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { CLI_ENTRY } from "../../src/net/cluster.ts"

const FIXTURE = join(import.meta.dirname, "fixtures", "lost-update-vv.jsonl")
const dir = mkdtempSync(join(tmpdir(), "dynamo-conform-cli-"))
const dynamo = (...args: ReadonlyArray<string>) => spawnSync(process.execPath, [CLI_ENTRY, ...args], { encoding: "utf8", timeout: 60_000 })

describe("dynamo conform on the command line", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  test("a history with a lost update: exit 1, the anomaly and its excerpt printed, report and page written", () => {
    const out = join(dir, "out")
    const run = dynamo("conform", "--check", FIXTURE, "--out", out)
    expect(run.status, run.stderr).toBe(1)
    expect(run.stdout).toMatch(/SIB-1 lost on cart: acknowledged write c0\.1 \(operation 3\) was silently replaced by the concurrent write c1\.0/)
    expect(run.stdout).toMatch(/VV-1 shape/)
    expect(run.stdout).toMatch(/#4 c1 write cart via n1 \[21\.0-29\.0 ms\] ok c1\.0 after #2/)
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"))
    expect(report).toMatchObject({ verdict: "fail", counts: { lost: 1 }, stats: { writesAcknowledged: 3, lost: 1 } })
    expect(report.anomalies[0].ops).toEqual([1, 2, 3, 4, 5])
    const page = readFileSync(join(out, "timeline.html"), "utf8")
    expect(page).toMatch(/"label":"SIB-1 lost","key":"cart"/)
    expect(page).not.toMatch(/<script[^>]*src=|<link[^>]*href=/)
    expect(existsSync(join(out, "history.jsonl"))).toBe(true)
  })

  test("the built-in etcd cluster without etcd: exit 2, saying how to install it", () => {
    const run = spawnSync(process.execPath, [CLI_ENTRY, "conform", "--adapter", "etcd", "--cluster", "etcd", "--out", join(dir, "etcd")], {
      encoding: "utf8", timeout: 60_000, env: { ...process.env, ETCD_BIN: join(dir, "no-such-etcd") }
    })
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/no-such-etcd does not exist: install Debian's etcd-server \(apt-get install -y etcd-server\)/)
  })

  test("a file that is not a history: exit 2 naming the line", () => {
    const bad = join(dir, "bad.jsonl")
    writeFileSync(bad, readFileSync(FIXTURE, "utf8").replace("\"f\":\"read\"", "\"f\":\"peek\""))
    const run = dynamo("conform", "--check", bad)
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/line 3: not a history line/)
  })
})
