#!/usr/bin/env node
// The Quint check run by `npm test`: typecheck spec/dynamo.qnt, simulate it with a fixed seed
// checking every invariant (and counting the "Sometimes" witnesses), then require that the
// expected-violation witness `noSiblings` is violated, which proves the model reaches siblings
// and the sibling invariants are not vacuous. Only the TypeScript backend runs here: the Rust
// backend and Apalache would have to be downloaded.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const binDir = path.join(root, "node_modules", ".bin");
const quint = path.join(binDir, "quint");
// QUINT_CHECK_SPEC points the check at another model, e.g. a mutant that must fail it.
const spec = process.env.QUINT_CHECK_SPEC ?? path.join("spec", "dynamo.qnt");

// Fixed seed: same seed, same traces. About 20 s for the invariant run on 2 idle cores
// (roughly 30 traces of 30 steps a second with every invariant checked after each step).
const seed = "0x0d1a2007";
const samples = 600;
const steps = 30;
const witnessSamples = 200;
const timeoutMs = 170_000;

// The invariants allInvariants conjoins, to name the violated ones after a failure.
const invariants = ["sib1", "sib2", "dur1", "del1", "hint1", "contextExact"];

// "Sometimes" witnesses: each must hold in at least one sampled trace (see the spec's last section).
const witnesses = [
  "siblingsExist",
  "readSawSiblings",
  "siblingsReconciled",
  "hintWritten",
  "hintDropped",
  "deleteAcknowledged",
  "deleteReachedStaleReplica",
  "writeAbandoned",
];

function fail(message) {
  console.error(`quint-check: FAILED: ${message}`);
  process.exit(1);
}

if (!existsSync(quint)) fail(`${quint} not found; run npm install`);

// The quint launcher starts with `#!/usr/bin/env node`: put node_modules/.bin first on PATH, as
// npm does, so the pinned Node from node_modules runs it even when this script is started by hand.
const env = { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}` };

function run(args) {
  console.log(`$ quint ${args.join(" ")}`);
  const started = process.hrtime.bigint();
  const result = spawnSync(quint, args, { cwd: root, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.error) fail(`could not run quint: ${result.error.message}`);
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  console.log(`  exit ${result.status ?? result.signal} after ${seconds.toFixed(1)} s`);
  return { status: result.status, output, seconds };
}

function indent(text) {
  return text.trimEnd().split("\n").map((line) => `  | ${line}`).join("\n");
}

// 1. Typecheck.
const typecheck = run(["typecheck", spec]);
if (typecheck.status !== 0) fail(`typecheck failed:\n${indent(typecheck.output)}`);

// 2. Every invariant, over `samples` random traces of up to `steps` steps.
const check = run([
  "run", "--backend", "typescript", "--invariant", "allInvariants",
  "--witnesses", ...witnesses,
  "--max-samples", String(samples), "--max-steps", String(steps),
  "--seed", seed, "--verbosity", "1", spec,
]);
if (check.status !== 0 || !check.output.includes("[ok] No violation found")) {
  // Same seed, the invariants listed one by one: quint then names each one violated.
  const named = run([
    "run", "--backend", "typescript", "--invariants", ...invariants,
    "--max-samples", String(samples), "--max-steps", String(steps),
    "--seed", seed, "--verbosity", "1", spec,
  ]);
  const violated = named.output.split("\n").filter((line) => line.includes("❌")).map((line) => line.replace("❌", "").trim());
  fail(
    `allInvariants was violated or the run failed; violated: ${violated.join(", ") || "(see output)"}\n` +
      `${indent(check.output)}\n  (trace: add --verbosity 3 and the seed quint printed)`,
  );
}
const explored = [...check.output.matchAll(/^(\w+) was witnessed in (\d+) trace\(s\) out of (\d+) explored/gm)];
const ran = explored.length > 0 ? Number(explored[0][3]) : samples;
console.log(indent(check.output.split("\n").filter((line) => line.startsWith("[ok]") || line.includes("witnessed")).join("\n")));
const seen = new Map(explored.map((m) => [m[1], Number(m[2])]));
const missing = witnesses.filter((name) => !(seen.get(name) > 0));
if (missing.length > 0) fail(`witnesses never reached (the model no longer exercises them): ${missing.join(", ")}`);

// 3. The expected violation: noSiblings must fail, proving siblings occur.
const witness = run([
  "run", "--backend", "typescript", "--invariant", "noSiblings",
  "--max-samples", String(witnessSamples), "--max-steps", String(steps),
  "--seed", seed, "--verbosity", "1", spec,
]);
if (witness.status === 0) fail("noSiblings held: the model never produced siblings, so SIB-1/SIB-2 are vacuous");
if (!witness.output.includes("[violation]")) fail(`the noSiblings run failed without a violation:\n${indent(witness.output)}`);
console.log("  noSiblings violated, as expected (siblings occur)");

// 4. RING-4 (spec/ring.qnt): the greedy zone rule equals its brute-force statement on every
// sampled ring, and the rule matters somewhere (zoneRuleNeverMatters must be violated).
const ringSpec = path.join("spec", "ring.qnt");
const ringSamples = 150;
const ringSteps = 7;
const ringTypecheck = run(["typecheck", ringSpec]);
if (ringTypecheck.status !== 0) fail(`typecheck of ${ringSpec} failed:\n${indent(ringTypecheck.output)}`);
const ring = run(["run", "--backend", "typescript", "--invariant", "ring4", "--max-samples", String(ringSamples), "--max-steps", String(ringSteps), "--seed", seed, "--verbosity", "1", ringSpec]);
if (ring.status !== 0 || !ring.output.includes("[ok] No violation found")) fail(`ring4 (RING-4) was violated or the run failed:\n${indent(ring.output)}`);
const ringWitness = run(["run", "--backend", "typescript", "--invariant", "zoneRuleNeverMatters", "--max-samples", String(ringSamples), "--max-steps", String(ringSteps), "--seed", seed, "--verbosity", "1", ringSpec]);
if (ringWitness.status === 0 || !ringWitness.output.includes("[violation]")) fail("zoneRuleNeverMatters held: the sampled rings never made the zone rule pass over a node, so ring4 is vacuous");
console.log(`  ring4 held over ${ringSamples} rings; zoneRuleNeverMatters violated, as expected (the zone rule matters)`);

const total = typecheck.seconds + check.seconds + witness.seconds + ringTypecheck.seconds + ring.seconds + ringWitness.seconds;
console.log(`quint: typecheck ok, allInvariants held over ${ran} samples of ${steps} steps, witness noSiblings reached, RING-4 held (${total.toFixed(1)} s)`);
