// Shared set-up for the browser tests and the README screenshot: start `ruamjai serve` on a free
// port with a throwaway SQLite file, and launch Debian's Chromium through playwright-core.
//
// Environment:
//   RUAMJAI_BIN       the binary (default target/debug/ruamjai, relative to the repo root)
//   CHROMIUM_PATH     the browser (default /usr/bin/chromium)

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** The repository root, found from this file's location (tests/browser/server.mjs). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const ADMIN_EMAIL = "admin@example.org";
export const ADMIN_PASSWORD = "correct horse battery";

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Servers still running, killed synchronously if the process exits without stopping them. */
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Ask the OS for a port nobody is listening on. */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * Start `ruamjai serve` on an empty SQLite database (the first admin is created from
 * ADMIN_EMAIL/ADMIN_PASSWORD) and wait until /healthz answers `ok`.
 * Returns { baseUrl, stderr(), stop() }; stop() kills the server and removes the temp dir.
 */
export async function startServer() {
  const bin = resolve(REPO_ROOT, process.env.RUAMJAI_BIN || "target/debug/ruamjai");
  if (!existsSync(bin)) {
    throw new Error(`ruamjai binary not found at ${bin}; run: cargo build -p ruamjai`);
  }
  const dir = mkdtempSync(join(tmpdir(), "ruamjai-browser-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  // Only our own settings: a RUAMJAI_CONFIG or RUAMJAI_DATABASE_URL in the caller's environment
  // must not leak into the test server.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("RUAMJAI_")),
  );
  env.RUAMJAI_ADMIN_PASSWORD = ADMIN_PASSWORD;
  env.NO_COLOR = "1";

  const child = spawn(
    bin,
    [
      "serve",
      "--database-url", `sqlite://${join(dir, "test.db")}`,
      "--listen", `127.0.0.1:${port}`,
      "--admin-email", ADMIN_EMAIL,
    ],
    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  const exitPromise = new Promise((ok) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      ok();
    }),
  );
  child.on("error", (e) => (log += `\nspawn error: ${e.message}`));

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(
        `ruamjai serve exited (code ${exited.code}, signal ${exited.signal}) before /healthz answered.\n--- server output ---\n${log}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok && (await res.text()).trim() === "ok") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `ruamjai serve did not answer ${baseUrl}/healthz within ${STARTUP_TIMEOUT_MS / 1000} s.\n--- server output ---\n${log}`,
      );
    }
    await new Promise((ok) => setTimeout(ok, 100)); // polling interval, not synchronisation
  }

  return { baseUrl, stderr: () => log, stop };
}

/** Launch Debian's Chromium headless with a fresh profile (playwright creates a temp one). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Sign in on /login through the form, as a person would, and wait for /areas. */
export async function signIn(page, baseUrl, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  await page.goto(`${baseUrl}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click('form[action="/login"] button[type="submit"]');
  await page.waitForURL(`${baseUrl}/areas`);
}
