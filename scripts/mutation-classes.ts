// What would kill each StrykerJS survivor of src/core (issue 18): a rule per stretch of code
// (file, lines, optionally the kinds of mutation), read by `scripts/mutation-scores.ts --markdown`
// to write docs/mutation-survivors.md. The first matching rule wins. A rule's reason was written
// by reading the code and the mutants at those lines; a survivor no rule matches is listed as
// unclassified. Lines refer to the commit the document names.

export type Kind = "unreached" | "missing test" | "added test" | "equivalent" | "interpreter"

export const KINDS: ReadonlyArray<{ readonly name: Kind; readonly meaning: string }> = [
  { name: "added test", meaning: "a test added for this (issue 18, this round) executes the code and states the promise; it still counts as a survivor until `npm run mutate` re-runs the mutant with it, unless a narrower run (`--with`) already did" },
  { name: "unreached", meaning: "an invariant judges this code, but no schedule of the mutation subset (vitest.stryker.config.ts) reaches it; the reason names the property or shape that does. Mostly the simulator's properties, left out because each takes minutes per mutant" },
  { name: "missing test", meaning: "no test states what this code promises; the reason names the test that would" },
  { name: "equivalent", meaning: "no input can tell the mutant from the code; the reason says why (a shortcut or cache that yields the same value, an assertion that holds in every reachable state or its message, a comparator on keys that are always distinct)" },
  { name: "interpreter", meaning: "only an interpreter or a tool reads it (the network shell, the client library, the CLI, the model checker); their tests are outside the subset" }
]

export interface SurvivorClass {
  readonly file: string
  readonly from: number
  readonly to: number
  /** Only these kinds of mutation (Stryker's mutator names); every kind when absent. */
  readonly mutators?: ReadonlyArray<string>
  readonly kind: Kind
  readonly reason: string
  /** For an added test: what the mutants that a narrower run showed surviving it need instead. */
  readonly after?: { readonly kind: Kind; readonly reason: string }
  /** Only mutants this accepts: `span` is "line:column-line:column" as the report has it. */
  readonly when?: (mutant: MutantDetail) => boolean
}

export interface MutantDetail {
  readonly span: string
  readonly replacement: string
}

const rule = (
  file: string, from: number, to: number, kind: Kind, reason: string,
  mutators?: ReadonlyArray<string>, after?: SurvivorClass["after"], when?: SurvivorClass["when"]
): SurvivorClass => ({
  file: `src/core/${file}`, from, to, kind, reason,
  ...(mutators === undefined ? {} : { mutators }),
  ...(after === undefined ? {} : { after }),
  ...(when === undefined ? {} : { when })
})

/** A `when` that accepts the mutants at these spans whose replacement is one of these. */
const at = (spans: ReadonlyArray<string>, replacements?: ReadonlyArray<string>) => (m: MutantDetail): boolean =>
  spans.includes(m.span) && (replacements === undefined || replacements.includes(m.replacement))

/** What is left of a sort's comparator once a test pins the order (properties/order.test.ts and others). */
const COMPARATOR_LEFT = "what the added test leaves of a comparator: keys (range ends, (node, key) pairs) are distinct, so `<=` decides as `<`; and one that answers 0 instead of 1 when a > b sorts the same under V8, whose sort only asks whether a < b"
const JOIN_COMPLETION = "no invariant judges a join's completion (LEAVE-1 is the leave's): a joining node that becomes a member before it holds every range it gains, or never does, passes properties/forwarding.test.ts, because the losing nodes pass the keys on as hints and nothing requires a join to complete. A JOIN-1 check (a node becomes a member only once it recorded every expected offer) and a Sometimes that joins complete would see it"
const ORPHANS_PASSED = "keys a node no longer replicates, passed on as hints (orphans): properties/windows.test.ts and ring-change.test.ts (DUR-2, CONV-1 after quiescence), outside the subset; in properties/forwarding.test.ts every such key also travels with the hand-over's offer, which masks a pass-on dropped"
const ASSERT = "an assertion that holds in every reachable state, or its message: removing it or changing its text changes nothing a test can see (the assertions guard the core against its own bugs)"
const FORWARD_PROPERTY = "properties/forwarding.test.ts and test/forward.test.ts (added): forwarded requests, a coordinator that dies under them, PeerUnreachable, claims, grants and minted sets"
const HANDOFF_PROPERTY = "properties/forwarding.test.ts (added): joins and leaves in a fast simulator property, judged by DUR-1, DUR-2, RING-2, ACK-3 and LEAVE-1; the subset's other tests never hand a range over"

export const CLASSES: ReadonlyArray<SurvivorClass> = [
  // antientropy.ts (lines as of 17b5911, with the range cache)
  rule("antientropy.ts", 57, 66, "equivalent", "the range cache's key (entriesOf): a trees map is built by one node for one ring (node.ts's start, adoptView on a ring change: buildTrees returns a new map), and a node's id and N never change, so a cached entry never meets another node, ring or N; skipping the cache recomputes the same entries"),
  rule("antientropy.ts", 86, 94, "added test", "a node's ranges in ring order (computeEntries' sort): properties/order.test.ts pins which ranges a round covers and their order in each message; it joined the subset after this file's run, so a narrower run re-tests them", undefined, { kind: "equivalent", reason: COMPARATOR_LEFT }),
  rule("antientropy.ts", 100, 101, "equivalent", "rotation at exactly ANTI_ENTROPY_RANGES_PER_ROUND_MAX ranges or fewer (`>=`, or forced true): a round visits every range, so the next start is the same one; the same ranges, at most in another order within a message"),
  rule("antientropy.ts", 105, 105, "equivalent", "a shortcut: filtering by isDown with nobody down returns the same peers"),
  rule("antientropy.ts", 116, 116, "added test", "messages of a round sent in peer order: properties/order.test.ts's peer-order test (added this round) sends a round with each pick and reads the order of the AntiEntropy sends"),
  rule("antientropy.ts", 120, 120, "unreached", "a node whose range count grows past ANTI_ENTROPY_RANGES_PER_ROUND_MAX after a round with fewer (antiEntropyNext left undefined, then read as NaN): a join onto a node with 64 or more ranges; no subset schedule has that many"),
  rule("antientropy.ts", 123, 146, "interpreter", "antiEntropyInSync and its tree index: a query for the model checker, which skips rounds that would move nothing; test/check/'s pinned state counts would change (outside the subset)"),
  rule("antientropy.ts", 151, 151, "added test", "a peer's AntiEntropy message with more than ANTI_ENTROPY_RANGES_PER_ROUND_MAX exchanges: test/antientropy-receive.test.ts (added this round) feeds one and counts the answers"),
  rule("antientropy.ts", 153, 153, "unreached", "an exchange for a range the receiver holds no tree for (the sender's ring differs): properties/ring-change.test.ts (anti-entropy across joins and leaves)"),
  rule("antientropy.ts", 156, 156, "equivalent", "placement \"own\" against \"\": storeVersions tests only for \"replica\", so any other placement stores the same way"),
  rule("antientropy.ts", 158, 160, "added test", "a receiver in sync answers nothing (a MerkleInSync answer is filtered out): test/antientropy-receive.test.ts (added this round)"),
  // config.ts
  rule("config.ts", 115, 135, "added test", "validation of handoffOffersInFlightMax, handoffKeysInFlightMax and handoffResendTicks: properties/config.test.ts now draws -1, 0, 1 and fractions for each (added)"),
  // coordinator.ts
  rule("coordinator.ts", 30, 45, "unreached", "replica selection with nodes believed down (fallbacks in the extended list): properties/protocol.test.ts's crash and partition schedules (AVAIL-1, HINT-1, ACK-2)"),
  rule("coordinator.ts", 70, 100, "unreached", "replacing silent replicas after a replica timeout (replaceSilent): properties/protocol.test.ts and zones-sim.test.ts under crashes and partitions (AVAIL-1, ACK-1, ACK-2); the subset's scenarios fire one timeout with one node down"),
  rule("coordinator.ts", 101, 112, "added test", "replies to a forwarded request (ForwardReply) and refusals: test/forward.test.ts and properties/forwarding.test.ts (added) forward requests", undefined, { kind: "unreached", reason: "a forwarded request's answer routed back to the forwarder: properties/forwarding.test.ts (added) reaches it, but the narrower run with it mutated forward.ts and handoff.ts only" }),
  rule("coordinator.ts", 113, 126, "added test", "R or W outside 1..N (BadQuorum): test/refusals.test.ts (added) sends 0, N + 1, fractions and the bounds themselves", undefined, { kind: "unreached", reason: "a finished request removed from the node's table (withRequest): properties/protocol.test.ts (a late ack for a finished request)" }),
  rule("coordinator.ts", 143, 143, "added test", "a delete's tombstone: test/refusals.test.ts (added)", undefined, { kind: "equivalent", reason: "the tombstone's tag: coordinatePut makes every value that is not a Put a tombstone (canonicalValue)" }),
  rule("coordinator.ts", 149, 149, "added test", "a put coordinated: test/refusals.test.ts (added)", undefined, { kind: "missing test", reason: "the coordinator keeps the version it minted even when it is not a plain target (a forwarding node coordinating for a silent top N): a test of what such a node stores" }),
  rule("coordinator.ts", 127, 150, "added test", "a put refused BadQuorum, NotReady (epoch not durable) or TooManySiblings, and a delete's tombstone: test/refusals.test.ts (added)"),
  rule("coordinator.ts", 151, 210, "unreached", "where a coordinator that is itself a target stores its own copy, and hinted targets: properties/protocol.test.ts (ACK-1, ACK-2: each ack names a durable copy)"),
  rule("coordinator.ts", 211, 260, "unreached", "ack guards: an ack from a node that was not asked, a duplicate, a hint mismatch, another key: properties/protocol.test.ts with duplication (ACK-1, mutant 04's shape)"),
  rule("coordinator.ts", 261, 270, "added test", "a get with R outside 1..N: test/refusals.test.ts (added; after the narrower run it compares the whole reply, nodes included)", undefined, { kind: "added test", reason: "a get with R outside 1..N: test/refusals.test.ts compares the whole reply since the narrower run" }),
  rule("coordinator.ts", 271, 300, "unreached", "a get whose coordinator is one of its targets reading its own copy: properties/protocol.test.ts (READ-2)"),
  rule("coordinator.ts", 301, 340, "unreached", "read-answer guards and read repair targets: windows.test.ts's restarted reads (READ-3, READ-2) and properties/unmasked.test.ts's read repair alone (CONV-1)"),
  rule("coordinator.ts", 341, 388, "unreached", "request timer rounds (replacement rounds, the final QuorumTimeout, the remaining time): properties/protocol.test.ts and zones-sim.test.ts under crashes (AVAIL-1, AVAIL-2); the subset never lets a round pass with replicas silent"),
  // detector.ts
  rule("detector.ts", 8, 9, "unreached", "markDown's filter (itself, or a node already down): properties/protocol.test.ts's crashes and partitions"),
  rule("detector.ts", 10, 11, "equivalent", "a shortcut when nothing is new, and the down list's order: isDown searches with includes"),
  rule("detector.ts", 14, 18, "interpreter", "Beliefs: only the Quint conformance driver sets the detector's beliefs outright (test/conformance.test.ts, outside the subset)"),
  rule("detector.ts", 20, 23, "unreached", "a node believed down heard from again: properties/protocol.test.ts (a crashed node restarts and answers)"),
  // durable.ts
  rule("durable.ts", 36, 43, "added test", "hint ids and StoreHint records: properties/order.test.ts (added) holds several hints on one node and lists them"),
  rule("durable.ts", 50, 52, "unreached", "DeleteHint applied: a hint delivered and deleted (HINT-1): properties/protocol.test.ts, traces/scenarios/hinted-handoff.txt replays it through the checker's own copy of the disk"),
  rule("durable.ts", 53, 59, "unreached", "Epoch, Membership and HandoffReceived records applied to a disk: the simulator's disk model (every start writes an Epoch, ring changes the others: properties/ring-change.test.ts, and properties/forwarding.test.ts, added, not yet run against these mutants); the subset's core tests never apply them"),
  rule("durable.ts", 62, 70, "added test", "sorts of sortedStore and sortedHints: properties/order.test.ts (added) pins key order", undefined, { kind: "equivalent", reason: "what the added test leaves of a comparator: keys (range ends, (node, key) pairs) are distinct, so `<=` decides as `<`; and one that answers 0 instead of 1 when a > b sorts the same under V8, whose sort only asks whether a < b" }),
  // dvv.ts
  rule("dvv.ts", 31, 33, "equivalent", ASSERT),
  rule("dvv.ts", 36, 45, "added test", "isCanonical's rules: properties/clocks.test.ts (added) feeds each non-canonical form; properties/versions.test.ts (added) decodes non-canonical sets"),
  rule("dvv.ts", 56, 56, "added test", "the merged entry's time: properties/clocks.test.ts (added) merges a newer counter with an earlier time. Equal counters carry equal times in every run (one dot, one minting), so only a crafted set shows it"),
  rule("dvv.ts", 57, 75, "equivalent", "shortcuts of sync and mergeEntry that return the same entries: equal held ranges slice to the same values; identical or empty sets merge to themselves"),
  rule("dvv.ts", 120, 130, "equivalent", ASSERT),
  // forward.ts
  rule("forward.ts", 34, 36, "missing test", "availabilityBoundMs: only src/sim/availability.ts reads it (AVAIL-1's bound); a test that the bound is requestTimeout + 2 x replicaTimeout as spec/README.md states"),
  rule("forward.ts", 47, 47, "added test", FORWARD_PROPERTY, undefined, { kind: "unreached", reason: "op numbers counted down after a forward: a coordinator's next op then reuses an earlier one, which shows only while that earlier request is still pending (a long run mixing forwards and coordination: properties/protocol.test.ts)" }),
  rule("forward.ts", 77, 77, "added test", FORWARD_PROPERTY, undefined, { kind: "missing test", reason: "the forwarding node placing a silent coordinator's set keeps a copy of its own: DUR-2 and CONV-1 accept an extra copy, so only a test of what that node stores would see it" }),
  rule("forward.ts", 88, 88, "added test", FORWARD_PROPERTY, undefined, { kind: "missing test", reason: "requests stranded at an unreachable peer taken back in op order: a test with two stranded requests (HashMap happens to iterate small op numbers in order, so none saw the sort dropped)" }),
  rule("forward.ts", 106, 106, "added test", FORWARD_PROPERTY, undefined, { kind: "equivalent", reason: "the route's tag: sendReply tells only \"Local\" from the rest, so any other tag routes the answer the same way" }),
  rule("forward.ts", 134, 134, "added test", FORWARD_PROPERTY, undefined, { kind: "equivalent", reason: "the route's tag: sendReply tells only \"Local\" from the rest" }),
  rule("forward.ts", 136, 136, "added test", FORWARD_PROPERTY, undefined, { kind: "equivalent", reason: "a grant only ever names a put (a get's claim is never granted), so the test for a put always holds" }),
  rule("forward.ts", 143, 143, "added test", FORWARD_PROPERTY, undefined, { kind: "equivalent", reason: "a second minted set accepted: the one coordinator granted the put sends one set for it, so a second one is the same set" }),
  rule("forward.ts", 114, 117, "added test", "the sweep of pending claims: test/forward.test.ts's pending-claims test (added after the narrower runs, so not yet run against these mutants)", undefined, { kind: "equivalent", reason: "the sweep of pending claims, when to sweep: sweeping at another size (`>=`, `<=`, forced, 2 / the bound) or keeping one more entry (`>=`) still keeps every entry of the last `max` arrivals and never more than twice that, the whole promise (a late duplicate is still recognised); only the work per addition changes" }),
  rule("forward.ts", 37, 155, "added test", FORWARD_PROPERTY),
  // gossip.ts
  rule("gossip.ts", 18, 23, "interpreter", "gossipInSync: a query for the model checker, which skips gossip that would change nothing (test/check/, outside the subset)"),
  rule("gossip.ts", 24, 28, "missing test", "a gossip tick with no peer to pick (a one-node cluster): a core test of a lone node's Gossip timer"),
  rule("gossip.ts", 29, 36, "added test", "gossip received on the node's step, and its reply: properties/forwarding.test.ts (added) runs joins and leaves through the simulator; the subset's membership properties test the pure functions only"),
  rule("gossip.ts", 37, 47, "added test", "an administrator's Join or Leave applied and announced to every gossip peer: test/gossip-exchange.test.ts (added this round; properties/forwarding.test.ts, the earlier added test, let a Join taken as a Leave and an unannounced command pass: periodic gossip spreads the change later)"),
  rule("gossip.ts", 48, 48, "equivalent", "sendPendingOffers with no new offer sends nothing"),
  // handoff.ts
  rule("handoff.ts", 13, 23, "added test", `range geometry of hand-overs (overlaps, inside): ${HANDOFF_PROPERTY}`, undefined, { kind: "missing test", reason: "range geometry (overlaps, inside) on arcs that wrap past zero, share an end, or span the whole ring: a unit test against a brute-force count of positions; the property's ranges rarely take those shapes" }),
  rule("handoff.ts", 24, 59, "added test", `offers and batches: ${HANDOFF_PROPERTY}`, undefined, { kind: "unreached", reason: "ranges no tree overlaps, keys repeated across trees, batches of more than HANDOFF_KEYS_PER_MESSAGE_MAX keys: properties/windows.test.ts's few wide ranges and 12 keys (ACK-3), outside the subset" }),
  rule("handoff.ts", 60, 70, "interpreter", "keysInRange: the operator's plan (src/net/admin.ts) reads it; test/net/membership.test.ts checks keys moved against the plan, outside the subset"),
  rule("handoff.ts", 71, 135, "added test", `the window and the resend timer: ${HANDOFF_PROPERTY}`, undefined, { kind: "unreached", reason: "the window under lost messages (resends after idle ticks, a joiner's pulls, offers entering as others are confirmed): properties/windows.test.ts (20% drops, ACK-3, LEAVE-1) and ring-change.test.ts, outside the subset; with the default window every offer is in flight at once, so the bounds only show with test/handoff-window.test.ts's small ones" }),
  rule("handoff.ts", 136, 150, "added test", `pulls: ${HANDOFF_PROPERTY}`, undefined, { kind: "unreached", reason: "a joining node that lost its disk pulls its offers again (handoffPulled): properties/ring-change.test.ts with disk loss, outside the subset" }),
  rule("handoff.ts", 151, 160, "added test", `receipt of a batch: ${HANDOFF_PROPERTY}`, undefined, { kind: "missing test", reason: "a peer's Handoff with a batch number out of range, negative or fractional: a core test feeding one (honest senders never do, so no run has one)" }),
  rule("handoff.ts", 161, 200, "added test", `durable batches and acknowledgements: ${HANDOFF_PROPERTY}`, undefined, { kind: "unreached", reason: "batches arriving again or out of order, an offer received before, duplicated or stray acknowledgements: properties/windows.test.ts (ACK-3 with drops and slow disks) and ring-change.test.ts (LEAVE-1), outside the subset" }),
  rule("handoff.ts", 201, 266, "interpreter", "hand-over progress for the status page and the CLI (keyCounts, outgoingProgress, incomingProgress, offersUnconfirmed): test/net/membership.test.ts and the view tests read it, outside the subset"),
  // hints.ts
  rule("hints.ts", 14, 20, "unreached", "a hint scan's bound (HINTS_PER_SCAN_MAX = 256 hints) and its skip of nodes believed down: a fallback holding more than 256 hints (a long outage in the soak); offering to a node believed down only costs a message"),
  rule("hints.ts", 30, 35, "equivalent", "placement \"own\" against \"\" (storeVersions tests only for \"replica\")"),
  rule("hints.ts", 40, 47, "unreached", "an ack for a hint that changed after the offer: properties/protocol.test.ts (HINT-1: the newer write must be offered again)"),
  // io.ts
  rule("io.ts", 36, 48, "interpreter", "failedWriteOutcome: read by the client library and the network shell to tell a caller whether a failed write may have happened (test/client, test/net)"),
  rule("io.ts", 120, 143, "interpreter", "timerKey: the interpreters' map key for armed timers; any distinct strings do, and only the network shell and the simulator arm timers"),
  // memo.ts
  rule("memo.ts", 1, 23, "equivalent", "a memo table: never reusing an entry, or clearing it at another size, recomputes the same values (only time changes)"),
  // membership.ts
  rule("membership.ts", 60, 66, "equivalent", `${ASSERT}; compareIds on ids that are always distinct within a view`),
  rule("membership.ts", 67, 79, "missing test", "isCanonicalView on each non-canonical form (too many members, unsorted or repeated ids, version 0, capacity out of range, empty or long address, the default zone named): properties/membership.test.ts decodes some; a case per rule"),
  rule("membership.ts", 80, 100, "equivalent", `${ASSERT} (checkView); withZone leaves the default zone out, which a view never names`),
  rule("membership.ts", 101, 135, "missing test", "reconcile's tie-breaks between two entries of one version (status, capacity, address, zone): a property that the merge is commutative when the two differ only there (properties/membership.test.ts draws versions apart)"),
  rule("membership.ts", 136, 200, "equivalent", `${ASSERT} (checkView on both sides of a merge, limits on members, versions, capacity, addresses and zones asserted on admin input that the shell validated first)`),
  rule("membership.ts", 201, 210, "missing test", "a founding view with an address or a zone: a core test of foundingView with both"),
  rule("membership.ts", 211, 270, "equivalent", `${ASSERT}; gossip peers sorted by distinct ids`),
  rule("membership.ts", 271, 300, "equivalent", `${ASSERT}; the digest's memo and the fields it leaves out when empty (an entry with neither address nor zone hashes the same either way)`),
  rule("membership.ts", 330, 340, "added test", "a gossip exchange's replies (only when asked and something is missing; a reply asks for none) and a peer's non-canonical view dropped: test/gossip-exchange.test.ts (added this round; properties/forwarding.test.ts let extra replies pass: they change no view)"),
  rule("membership.ts", 380, 395, "unreached", "the transfer plan when a leaving node's ranges have no other holder: properties/ring-change.test.ts (RING-2, LEAVE-1)"),
  rule("membership.ts", 400, 421, "equivalent", "the schema filter's message"),
  // merkle-diff.ts
  rule("merkle-diff.ts", 30, 40, "interpreter", "message size accounting for benchmarks (bench/): no test reads it"),
  rule("merkle-diff.ts", 60, 70, "equivalent", "a shortcut: a key whose versions did not change is not re-applied (applying it again changes nothing)"),
  rule("merkle-diff.ts", 75, 100, "equivalent", ASSERT),
  rule("merkle-diff.ts", 101, 126, "equivalent", "the test helper's loop bound and result order: diffs always converge within the bound in properties/merkle.test.ts, and its entries are compared as sets"),
  // merkle-exchange.ts
  rule("merkle-exchange.ts", 74, 78, "missing test", "validIndices on a peer's garbage (negative, fractional, repeated, too many indices): a test feeding such an exchange message; honest peers never send one"),
  rule("merkle-exchange.ts", 80, 90, "equivalent", `${ASSERT}; an empty set sent along (merging it changes nothing)`),
  rule("merkle-exchange.ts", 91, 102, "missing test", "a peer's MerkleSync with repeated keys, keys outside the range or more than the bound: a test of onAntiEntropy with such a message (honest peers send none, so no run has one)"),
  rule("merkle-exchange.ts", 103, 125, "missing test", "a peer's MerkleChildren with a bad level, bad indices or the wrong number of hashes: a test of onAntiEntropy with each (the code drops them; nothing checks it does)"),
  rule("merkle-exchange.ts", 126, 175, "missing test", "the reply size bounds (MERKLE_LEAF_HASHES_PER_REPLY_MAX, MERKLE_SYNC_KEYS_MAX) and order of key lists: a test with a range holding more differing keys than a reply carries"),
  rule("merkle-exchange.ts", 176, 210, "missing test", "a peer's message at a level the tree does not have, and MerkleInSync received: a test of onAntiEntropy with each"),
  // merkle.ts
  rule("merkle.ts", 60, 100, "equivalent", "lazily computed node hashes (a cache) and child lookups that find the same child"),
  rule("merkle.ts", 120, 145, "equivalent", `${ASSERT} (shape limits); leafCount's shift on shapes the code never builds`),
  rule("merkle.ts", 150, 165, "equivalent", "the per-set hash memo (recomputes the same hash)"),
  rule("merkle.ts", 170, 210, "equivalent", "the text a version is hashed from: every replica computes it with the same function, so a different text that still tells versions apart changes no comparison (its lww branch is uncovered: no subset test runs anti-entropy in lww mode)"),
  rule("merkle.ts", 215, 260, "equivalent", "leaf hashing and sparse child slots: alternatives that give the same tree for the keys the properties draw"),
  rule("merkle.ts", 265, 300, "equivalent", `${ASSERT}; range size and bucket arithmetic on the whole ring, which no subset tree covers`),
  rule("merkle.ts", 305, 345, "equivalent", `${ASSERT}; nonEmpty and sameSet shortcuts`),
  rule("merkle.ts", 346, 400, "equivalent", `${ASSERT} (updateKey's checks of the old set it is given)`),
  rule("merkle.ts", 405, 512, "equivalent", `${ASSERT} (build's and walk's structural checks); the key sort within a bucket orders distinct keys`),
  // node.ts
  rule("node.ts", 59, 59, "added test", "a coordinator's pending claims start empty: test/forward.test.ts (added) has a coordinator claim a forwarded put"),
  rule("node.ts", 40, 66, "equivalent", "initial fields that start() replaces before anything reads them (offers, orphans, readiness), and a waiter list whose stray entry no token ever matches"),
  rule("node.ts", 67, 75, "interpreter", "durableOf: the interpreters' crash model reads it"),
  rule("node.ts", 94, 110, "added test", FORWARD_PROPERTY),
  rule("node.ts", 120, 130, "unreached", "a start's epoch and readiness with no epoch floor: windows.test.ts (EPOCH-2, slow restarts) and unmasked.test.ts (EPOCH-1 with epochFloor off)"),
  rule("node.ts", 145, 152, "added test", "forwarding to the first top-N node believed up, or coordinating here when all are believed down: test/forward.test.ts's believed-down tests (added this round; properties/forwarding.test.ts let a forward to a node believed down pass: the forward timer takes the request back)"),
  rule("node.ts", 153, 170, "unreached", "a Replicate with a hint, and answers of an earlier epoch: windows.test.ts (READ-3) and protocol.test.ts (ACK-1)"),
  rule("node.ts", 171, 200, "added test", `${FORWARD_PROPERTY}; ${HANDOFF_PROPERTY}`, undefined, { kind: "unreached", reason: "HandoffPull routed: a joining node that lost its disk pulls its offers again (handoffPulled): properties/ring-change.test.ts with disk loss, outside the subset" }),
  rule("node.ts", 201, 212, "unreached", "persist completions that arrive several at once or out of step: the simulator's slow-disk shapes (windows.test.ts)"),
  rule("node.ts", 213, 233, "added test", HANDOFF_PROPERTY),
  // ownership.ts
  rule("ownership.ts", 20, 24, "unreached", "a node restarting with a persisted view and nothing learned: properties/ring-change.test.ts (restarts across ring changes)"),
  rule("ownership.ts", 40, 50, "equivalent", "buildTrees reusing kept trees: rebuilding them gives the same trees (test/handoff-window.test.ts compares roots)"),
  rule("ownership.ts", 56, 57, "added test", HANDOFF_PROPERTY, undefined, { kind: "equivalent", reason: "a shortcut: the transfer plan between equal rings is empty" }),
  rule("ownership.ts", 58, 65, "added test", HANDOFF_PROPERTY, undefined, { kind: "missing test", reason: "an offer confirmed before another view change stays confirmed (not sent again): a core test of a leaving node that adopts an unrelated change mid-hand-over; otherwise only extra hand-over messages show it" }),
  rule("ownership.ts", 66, 70, "added test", HANDOFF_PROPERTY, undefined, { kind: "equivalent", reason: "the offers cleared before a restart's plan: whatever list stands in, none of its entries has an offer id, so none is found confirmed" }),
  rule("ownership.ts", 77, 83, "added test", HANDOFF_PROPERTY, undefined, { kind: "equivalent", reason: "expectedOffers' memo: recreating or skipping it recomputes the same list, and its key's N and id never change for the node that built its rings (every node builds its own ring objects: node.ts's start, adoptView)" }),
  rule("ownership.ts", 84, 89, "added test", HANDOFF_PROPERTY, undefined, { kind: "missing test", reason: JOIN_COMPLETION }),
  rule("ownership.ts", 90, 95, "added test", HANDOFF_PROPERTY, undefined, { kind: "equivalent", reason: "the expected ids' order (read with includes and filter) and the memo's store: only recomputation shows" }),
  rule("ownership.ts", 96, 105, "equivalent", "viewRingsEqual's field-by-field comparison: rings built from one view compare equal field by field or by identity alike"),
  rule("ownership.ts", 119, 122, "added test", HANDOFF_PROPERTY, undefined, { kind: "missing test", reason: "trees and orphans rebuilt only when the ring changed: a core test that a view change leaving the ring alone (an address) passes nothing on as hints; the trees rebuilt are the same" }),
  rule("ownership.ts", 142, 142, "added test", HANDOFF_PROPERTY, undefined, { kind: "equivalent", reason: "a shortcut: with no orphans waiting the loop passes nothing on" }),
  rule("ownership.ts", 147, 147, "added test", HANDOFF_PROPERTY, undefined, { kind: "equivalent", reason: "the test for a key gone from the store: the store drops no key, so an orphan always has its set" }, at(["147:9-147:26"])),
  rule("ownership.ts", 149, 149, "added test", HANDOFF_PROPERTY, undefined, { kind: "equivalent", reason: "an orphan's preference list never names this node (replicates() was just found false), so the test for it always holds" }),
  rule("ownership.ts", 147, 147, "added test", HANDOFF_PROPERTY, undefined, { kind: "missing test", reason: "an orphan whose range a later ring change gave back before the next hint scan: passed on anyway, it costs only extra hints; a core test of two ring changes around one scan (test/handoff-window.test.ts's orphans test has one change)" }),
  rule("ownership.ts", 140, 153, "added test", HANDOFF_PROPERTY, undefined, { kind: "unreached", reason: ORPHANS_PASSED }),
  rule("ownership.ts", 163, 170, "added test", HANDOFF_PROPERTY, undefined, { kind: "missing test", reason: JOIN_COMPLETION }),
  rule("ownership.ts", 171, 171, "added test", HANDOFF_PROPERTY, undefined, { kind: "missing test", reason: "a member (not leaving) whose offers are all confirmed: completeLeave leaves its view unchanged, so the only difference is a gossip digest to every peer announcing nothing; a core test that a member's step sends no unprompted digests would see it" }),
  rule("ownership.ts", 182, 186, "added test", HANDOFF_PROPERTY, undefined, { kind: "missing test", reason: "a completed join or leave announced to every peer at once (a digest each): a core test of the digests sent when a node's own change completes; otherwise periodic gossip spreads it, later" }),
  rule("ownership.ts", 106, 190, "added test", HANDOFF_PROPERTY),
  rule("ownership.ts", 200, 227, "interpreter", "changePlan and ringShares for the CLI's plan and the status page (test/handoff-window.test.ts checks the plan; the shares' edge cases are the CLI's)"),
  // queries.ts, recent.ts, replica.ts, state.ts
  rule("queries.ts", 1, 66, "interpreter", "status queries for the network shell's /status and the viewer"),
  rule("recent.ts", 1, 24, "added test", "remembered request ids and their pruning past 2 x max: test/forward.test.ts (added) adds 50 ids with max 4 and checks the newest max are kept, nothing older than 2 x max", undefined, { kind: "equivalent", reason: "the pruning of remembered ids, when to sweep: sweeping at another size (`>=`, `<=`, forced, 2 / the bound) or keeping one more entry (`>=`) still keeps every entry of the last `max` arrivals and never more than twice that, the whole promise (a late duplicate is still recognised); only the work per addition changes" }),
  rule("replica.ts", 40, 50, "unreached", "a read answered with the node's hints for the key: properties/protocol.test.ts (HINT-2, mutant 09)"),
  rule("replica.ts", 70, 90, "added test", `a write reaching a node outside the key's replicas after a ring change (passed on as hints): ${HANDOFF_PROPERTY}; DUR-2 and CONV-1 in windows.test.ts`, undefined, { kind: "unreached", reason: "a write or hint reaching a node outside the key's replicas (a stale coordinator after a ring change), passed on to the current replicas as hints: properties/windows.test.ts and ring-change.test.ts (DUR-2, CONV-1 after quiescence), outside the subset; in properties/forwarding.test.ts the write's other copies reach the new replicas, which masks a pass-on dropped" }),
  rule("replica.ts", 91, 105, "unreached", "a second hint for one key at one fallback, and a write to a key of a range the node holds no tree for: properties/protocol.test.ts (HINT-1, SIB-1)"),
  rule("state.ts", 160, 168, "unreached", "the clock actor of a later incarnation (id#epoch): properties/protocol.test.ts's disk-loss schedules (SIB-1: two incarnations must not share a dot)"),
  // ring.ts
  rule("ring.ts", 100, 105, "equivalent", ASSERT),
  rule("ring.ts", 106, 109, "equivalent", "compareIds sorts distinct ids (members, by the duplicate check at line 163; zones, made distinct by a Set) and breaks ties between token positions, which are distinct (line 180 asserts it): `<=` decides as `<`, and an answer of 0 instead of 1 when a > b sorts the same under V8, whose sort only asks whether a < b"),
  rule("ring.ts", 138, 145, "equivalent", `${ASSERT} (resolveConfig's limits on tokensPerNode and partitions, validated by the config schema first)`),
  rule("ring.ts", 198, 199, "added test", "the Huntington-Hill priority and its tie to the lower id: properties/ring.test.ts's quota test (added this round) pins the quotas for capacities 1:3 and 1:2:5 and for ties (RING-3's property only compares nodes pairwise, which a priority of held / (held + 1) also satisfies)"),
  rule("ring.ts", 231, 231, "added test", "a ring of no members under the partition strategy: properties/ring.test.ts's quota and empty-ring tests (added this round) build one"),
  rule("ring.ts", 145, 240, "equivalent", `${ASSERT} (ring construction limits and zone names, validated by the config and membership schemas first); the sort of distinct token positions (\`<=\` decides as \`<\`, and V8's sort only asks whether a < b)`),
  rule("ring.ts", 241, 250, "equivalent", "a tie-break between partitions of equal score, which the assignment never meets with distinct scores"),
  rule("ring.ts", 300, 330, "unreached", "the ring index's zone slots: every ring of the subset has one zone, so each member's slot is 0 whatever the mapping (properties/zones.test.ts, outside the subset, has several); its assertion and the walks array's initial size are equivalent"),
  rule("ring.ts", 340, 368, "equivalent", "the walk cache (a walk from a token, extended lazily and kept): disabling it, or letting it run a step past the ring, recomputes the same list; the step bound matters only when more nodes are asked than exist, which no caller does"),
  rule("ring.ts", 369, 372, "equivalent", ASSERT),
  rule("ring.ts", 373, 400, "unreached", "zones of a ring (zonesOf, zoneOf, binarySearchId): properties/zones.test.ts and test/ring-quint.test.ts (RING-4), outside the subset"),
  rule("ring.ts", 401, 440, "unreached", "the zone rule (spanZones, zoneSpanningChoice): properties/zones.test.ts and test/ring-quint.test.ts (RING-4), outside the subset (zones.test.ts takes 100 s alone)"),
  rule("ring.ts", 258, 258, "equivalent", ASSERT),
  rule("ring.ts", 441, 444, "equivalent", ASSERT),
  rule("ring.ts", 445, 445, "added test", "the empty list an empty ring gives: properties/ring.test.ts's empty-ring test (added this round) reads it through ownershipChanges", ["ArrayDeclaration"]),
  rule("ring.ts", 445, 445, "equivalent", "the shortcut for an empty ring or a list of length 0: the walk for min(n, nodes) = 0 nodes returns none anyway"),
  rule("ring.ts", 447, 470, "unreached", "walking further until the zone rule has its count: rings with several zones (properties/zones.test.ts, outside the subset)"),
  rule("ring.ts", 471, 477, "equivalent", "preferenceList's memo (a table per ring and N, a copy returned): recreating the table recomputes the same list, and no caller changes the list it gets (they read, filter or slice it), so returning the memoised array itself shows nothing"),
  rule("ring.ts", 480, 510, "unreached", "the extended list and fallbacks past the top N with zones: properties/zones.test.ts and zones-sim.test.ts, outside the subset"),
  rule("ring.ts", 524, 531, "equivalent", ASSERT),
  rule("ring.ts", 544, 544, "equivalent", "sameNodes' length test: it compares lists of one ring at one N, which all have min(N, nodes) entries", ["EqualityOperator"]),
  rule("ring.ts", 543, 545, "added test", "sameNodes, which decides the merge of adjacent ranges: properties/ring.test.ts's maximal-ranges property (added this round)", undefined, { kind: "equivalent", reason: "sameNodes' length test: it compares lists of one ring at one N, which all have min(N, nodes) entries" }),
  rule("ring.ts", 547, 559, "equivalent", "boundariesOf's merge: `<=` against `<` and the index bound only change which of two equal positions is taken first (undefined compares false), and a boundary kept twice gives an empty range (x, x] whose lists equal the range before it, so the merge absorbs it"),
  rule("ring.ts", 560, 570, "equivalent", ASSERT),
  rule("ring.ts", 577, 577, "added test", "a range that loses a node and gains none (a leave leaving fewer nodes than N): properties/ring.test.ts's RING-2 ownershipChanges property now draws N up to the larger ring's size (this round)"),
  rule("ring.ts", 588, 588, "equivalent", "first and last are both defined or both undefined (the first and last of one array), so forcing either test true, or joining the two with `||`, decides the same", undefined, undefined,
    at(["588:7-588:26", "588:30-588:48", "588:7-588:48"], ["true", "first !== undefined || last !== undefined"])),
  rule("ring.ts", 578, 595, "added test", "the merge of adjacent ranges with the same lists, across position 0 too: properties/ring.test.ts's maximal-ranges property and empty-ring test (added this round); RING-2's position property cannot see an unmerged range"),
  // versions.ts (lines as of 17b5911)
  rule("versions.ts", 77, 80, "equivalent", ASSERT),
  rule("versions.ts", 98, 120, "added test", "isEmptySet and siblingCount per mode: test/versions-helpers.test.ts (added this round) checks each mode's empty set and a written one (the protocol never stores an empty set, so elsewhere they only meet placeholders)"),
  rule("versions.ts", 124, 124, "equivalent", "a shortcut: a set is the same as itself, field by field too"),
  rule("versions.ts", 125, 125, "added test", "sameVersions on empty sets: test/versions-helpers.test.ts (added this round) compares the empty sets of two modes (equal) and an empty with a written set", undefined, { kind: "equivalent", reason: "with one set empty and the other not, the field comparison answers false as the shortcut does (lengths or modes differ)" }),
  rule("versions.ts", 126, 137, "added test", "sameVersions field by field in each mode: test/versions-helpers.test.ts (added this round) changes one field at a time (read repair decides with it; CONV-1 without repair judges it in the simulator)", undefined, { kind: "equivalent", reason: "the other set's mode test forced true: non-empty sets of two modes never meet (a cluster runs one mode, and a key never written reads as the configured mode's empty set; empty sets are decided above)" }),
  rule("versions.ts", 139, 141, "equivalent", "sameArray's shortcuts: an array is the same as itself, and arrays of different lengths fail the element test or run past the shorter one's end (undefined fields differ)"),
  rule("versions.ts", 146, 151, "added test", "sameValue and sameClock field by field: test/versions-helpers.test.ts (added this round) (a put against a tombstone of the same text, two tombstones, clocks differing in node, counter or time)", undefined, { kind: "equivalent", reason: "sameValue's a === b shortcut, and a tag test forced true: the other tag's field is then undefined, which never equals a string" }),
  rule("versions.ts", 153, 156, "equivalent", `every set the core handles is in the configured mode (a key never written reads as emptyVersionSet(config.versions.mode) in replica.ts and merkle-diff.ts, and a cluster runs one mode), so inMode never meets another mode's set: its conversion and ${ASSERT}`),
  rule("versions.ts", 159, 169, "equivalent", `${ASSERT} (checkConfig: the config schema validates siblingsWarn, siblingsMax and truncateAt first)`),
  rule("versions.ts", 183, 183, "equivalent", "the length difference decides only when one clock is an entry-by-entry prefix of the other, which then descends it: never two concurrent siblings, and isCanonicalVv rejects such a pair whichever way they compare"),
  rule("versions.ts", 174, 200, "added test", "the canonical order of vv siblings (clock entry by entry, then value, a tombstone first) and latestTime: test/versions-helpers.test.ts (added this round) merges siblings of one value in both orders, and versions of equal clocks (dots minted twice, as after a lost disk with no epoch)", undefined, { kind: "equivalent", reason: "a put against a tombstone compared 0 instead of 1 (a tag test forced true): a sort asks only whether a < b, and equalClockWinner keeps x for 0 and 1 alike; latestTime with `>=` finds the same latest time" }),
  rule("versions.ts", 203, 212, "added test", "the winner between equal clocks (later entry time, then sibling order): test/versions-helpers.test.ts (added this round)", undefined, { kind: "equivalent", reason: "`>= 0` made `> 0` where the value compared is never 0 (byTime, tested non-zero just before) or is 0 only for the same sibling (equal clocks and values)" }),
  rule("versions.ts", 232, 236, "added test", "isCanonicalVv's clock check: test/versions-helpers.test.ts (added this round) calls isCanonicalVersionSet on a vv set with an unsorted clock (through decode, the schema's clock field rejects it first)"),
  rule("versions.ts", 237, 237, "equivalent", "`>= 0` made `> 0`: two siblings that compare equal have equal clocks, which the pairwise concurrency check just below rejects too"),
  rule("versions.ts", 238, 243, "equivalent", "isCanonicalVv's concurrency loop bounds: properties/versions.test.ts's decode cases reject every non-concurrent pair it feeds"),
  rule("versions.ts", 264, 281, "added test", "the lww order (time, actor, value), lwwWinner and isCanonicalLww: test/check/lww.test.ts (the lww mode's unit tests, added to the subset this round: no other subset test runs lww)", undefined, { kind: "equivalent", reason: "`>= 0` made `> 0` in lwwWinner: 0 means the same time, actor and value, the same version" }),
  rule("versions.ts", 300, 301, "equivalent", ASSERT),
  rule("versions.ts", 306, 308, "added test", "the sibling warning's text (count and threshold): test/versions-helpers.test.ts (added this round)"),
  rule("versions.ts", 327, 327, "equivalent", ASSERT),
  rule("versions.ts", 336, 336, "equivalent", "the shared empty dvv set against a new one with no entries: the same JSON"),
  rule("versions.ts", 345, 346, "equivalent", "shortcuts when one side is empty: maximalSiblings of a canonical sibling list returns it unchanged"),
  rule("versions.ts", 367, 367, "equivalent", "a shortcut: merging an empty set into `a` gives `a`, so covers answers true either way"),
  rule("versions.ts", 400, 411, "added test", "isCanonicalVersionSet per mode: test/versions-helpers.test.ts (added this round) (a canonical and a non-canonical set of each mode)"),
  rule("versions.ts", 415, 470, "equivalent", "the schema filters' messages (the rules they name are tested by properties/versions.test.ts's decode cases, which match the text of each)"),
  rule("versions.ts", 485, 491, "added test", "encodeContext of the empty context (\"\", what a blind put sends back): test/versions-helpers.test.ts (added this round); its assertion's message is equivalent", ["ConditionalExpression", "EqualityOperator", "BlockStatement"], { kind: "equivalent", reason: ASSERT }),
  rule("versions.ts", 485, 491, "equivalent", ASSERT),
  rule("versions.ts", 494, 502, "added test", "decodeContext's error text (\"invalid context: ...\", what a client is told): test/versions-helpers.test.ts (added this round)"),
  // vclock.ts
  rule("vclock.ts", 30, 45, "equivalent", `${ASSERT}; isCanonical's rejections are reached through VClockSchema, whose struct checks reject the same values first`)
]

/** The first class whose file, lines, mutation kinds and `when` match, if any. */
export const classify = (file: string, line: number, mutator: string, detail?: MutantDetail): SurvivorClass | undefined =>
  CLASSES.find((c) => c.file === file && line >= c.from && line <= c.to && (c.mutators === undefined || c.mutators.includes(mutator)) &&
    (c.when === undefined || (detail !== undefined && c.when(detail))))
