// Runs examples/aws/pcf.yml end to end against moto on loopback: plan, apply, a no-op apply,
// status, terminate. Starts moto first and stops it at the end, whatever happens.
//   npm run example:aws

import { spawnSync } from "node:child_process";
import console from "node:console";
import process from "node:process";
import { URL, fileURLToPath } from "node:url";
import { startMoto, stopMoto } from "../../bench/moto.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const file = "examples/aws/pcf.yml";

const moto = await startMoto();
const env = {
  ...process.env,
  AWS_ENDPOINT_URL: moto.url,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** Runs one `pcf` command as a user would, showing its output; returns its exit code. */
function pcf(...args) {
  console.log(`\n$ pcf ${args.join(" ")}`);
  const result = spawnSync(process.execPath, ["bin/pcf.js", ...args], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  return result.status ?? 1;
}

let failed = false;
try {
  const steps = [
    { args: ["plan", "-f", file], ok: [0, 2] },
    { args: ["apply", "-f", file], ok: [0] },
    { args: ["plan", "-f", file], ok: [0] },
    { args: ["status", "-f", file], ok: [0] },
    { args: ["terminate", "-f", file, "--yes"], ok: [0] },
  ];
  for (const step of steps) {
    const code = pcf(...step.args);
    if (!step.ok.includes(code)) {
      console.error(`\npcf ${step.args[0]} exited ${code}`);
      failed = true;
      break;
    }
  }
} finally {
  stopMoto(moto);
}
process.exitCode = failed ? 1 : 0;
