#!/usr/bin/env node
import module from "node:module";

// Node 22.1 and later keep V8's compiled code between runs (in the OS temp folder), which takes
// most of the start-up off every command after the first. Older Node has no such cache: a no-op.
module.enableCompileCache?.();

await import("../dist/cli/main.js");
