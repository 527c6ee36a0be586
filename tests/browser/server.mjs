// Start and stop a real `ruamjai serve` for browser tests: a temporary SQLite file, a free
// port, and the first administrator created from the environment.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ADMIN = { email: 'admin@example.org', password: 'correct horse battery' };

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Servers still running when Node exits (a crash, an uncaught error) are killed, not orphaned.
const running = new Set();
process.on('exit', () => { for (const c of running) c.kill('SIGKILL'); });

export async function startServer() {
  const bin = resolve(ROOT, process.env.RUAMJAI_BIN ?? 'target/debug/ruamjai');
  if (!existsSync(bin)) throw new Error(`no ruamjai binary at ${bin} (cargo build --bin ruamjai)`);
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-browser-'));
  const port = await freePort();
  // Only our settings: a RUAMJAI_CONFIG or RUAMJAI_DATABASE_URL in the caller's shell must not
  // reach the test server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUAMJAI_')));
  // The run's logs are kept for scripts/check_logs.py, which looks for personal data in them;
  // so the server logs as much as it can (debug).
  const logDir = process.env.RUAMJAI_TEST_LOG_DIR;
  const logFile = logDir ? join(logDir, `server-${port}-${Date.now()}.log`) : null;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const child = spawn(bin, [
    'serve',
    '--database-url', `sqlite://${join(dir, 'browser.db')}`,
    '--listen', `127.0.0.1:${port}`,
    '--admin-email', ADMIN.email,
  ], {
    cwd: dir,
    env: {
      ...env, RUAMJAI_ADMIN_PASSWORD: ADMIN.password, RUST_BACKTRACE: '0', NO_COLOR: '1',
      ...(logFile ? { RUAMJAI_LOG: 'debug' } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (logFile) appendFileSync(logFile, d);
  });
  child.on('error', (e) => { stderr += `\n${e.message}`; });
  const exited = new Promise((r) => child.once('close', () => { running.delete(child); r(); }));
  const stop = async () => {
    if (running.has(child)) {
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(hard);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!running.has(child)) {
      await stop();
      throw new Error(`ruamjai exited (code ${child.exitCode}) before /healthz answered:\n${stderr}`);
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ruamjai did not answer /healthz within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100)); // poll interval
  }
  const dbUrl = `sqlite://${join(dir, 'browser.db')}`;
  // Run the CLI against the same database (SQLite in WAL mode takes a second process).
  const cli = (args, input) => runCli(bin, dir, env, ['--database-url', dbUrl, ...args], input);
  return { base, stderr: () => stderr, stop, cli };
}

function runCli(bin, cwd, env, args, input) {
  const r = spawnSync(bin, args, {
    cwd, input, encoding: 'utf8', env: { ...env, RUST_BACKTRACE: '0', NO_COLOR: '1' },
  });
  if (r.status !== 0) throw new Error(`ruamjai ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// Debian's Chromium, headless, with nothing that phones home (this machine has no network).
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function signIn(page, base, { email, password } = ADMIN) {
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
}

// An account made with the CLI, as an administrator would on the server.
export function addUser(server, { email, password }, name, role, area) {
  server.cli(['users', 'create', '--email', email, '--name', name, '--role', role,
    '--area', area, '--password-stdin'], `${password}\n`);
}

// The number of entries waiting in the field app's outbox.
export async function outboxCount(page) {
  return Number((await page.textContent('[data-testid=outbox-count]')).trim());
}
