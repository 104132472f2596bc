#!/usr/bin/env node
// Entry point for `npx dynamo`: runs the TypeScript CLI through tsx's loader on the Node
// that npm put on PATH (the pinned Node 24 from the `node` devDependency).
import { register } from "tsx/esm/api"
import { fileURLToPath } from "node:url"
import { dirname, join } from "node:path"

register()
const here = dirname(fileURLToPath(import.meta.url))
await import(join(here, "..", "src", "cli", "main.ts"))
