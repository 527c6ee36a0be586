#!/usr/bin/env node
// Concurrent retries of one write (not a crash): 20 rounds of 4 simultaneous
// `POST /api/v1/persons` with the same Idempotency-Key, and 20 rounds of 4 simultaneous
// `POST /api/v1/sync/visits` with the same op_id, against PostgreSQL (database crash_idem,
// dropped and made anew). Prints what the answers were and how many rows each round left.
//
//   node bench/crash/idempotency-race.mjs [--bin /tmp/ruamjai-crash] [--port 18739]
//
// Exit status 1 when a round leaves more than one row (a duplicated write) or two 201 answers
// name different ids; answers other than 201 are reported but do not fail the run (see
// RESULTS.md: on PostgreSQL the losers of the race answer 500 today).

import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const BIN = arg('--bin', '/tmp/ruamjai-crash');
const PORT = Number(arg('--port', '18739'));
const DB = 'crash_idem';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ruamjai-idem-'));
const env = {
  ...process.env,
  RUAMJAI_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DB}`,
  RUAMJAI_FILES_DIR: path.join(work, 'files'),
  RUAMJAI_LOG: 'warn',
};
const cli = (args, input) => {
  const r = spawnSync(BIN, args, { env, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ruamjai ${args.join(' ')}: ${r.stderr}`);
};
const psql = (db, q) => {
  const r = spawnSync('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-c', q], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${q}: ${r.stderr}`);
  return r.stdout.trim();
};

psql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
psql('postgres', `CREATE DATABASE ${DB}`);
cli(['migrate']);
fs.writeFileSync(path.join(work, 'v.csv'), 'subdistrict_code,village_no,name_th\n550101,1,บ้านทดสอบ\n');
cli(['areas', 'import-villages', path.join(work, 'v.csv')]);
const password = `pw-${randomUUID()}`;
cli(['users', 'create', '--email', 'idem@example.org', '--name', 'idem', '--role', 'staff', '--area', '550101', '--password-stdin'], `${password}\n`);

const log = fs.openSync(path.join(work, 'server.log'), 'w');
const server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${PORT}`], { env, stdio: ['ignore', log, log] });
const base = `http://127.0.0.1:${PORT}`;
let status = 0;
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* starting */ }
    if (i > 2000) throw new Error('server not ready');
    await new Promise((r) => setTimeout(r, 50));
  }
  let r = await fetch(`${base}/login`);
  const csrf = /ruamjai_csrf=([^;]+)/.exec(r.headers.get('set-cookie'))[1];
  r = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `ruamjai_csrf=${csrf}` },
    body: new URLSearchParams({ email: 'idem@example.org', password, csrf }),
  });
  const session = /ruamjai_session=([^;]+)/.exec(r.headers.get('set-cookie'))[1];
  r = await fetch(`${base}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: `ruamjai_csrf=${csrf}; ruamjai_session=${session}`, 'X-CSRF-Token': csrf },
    body: JSON.stringify({ name: 'idem' }),
  });
  const token = (await r.json()).secret;
  const H = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Accept-Language': 'en' };
  const tally = {};
  const count = (k) => { tally[k] = (tally[k] || 0) + 1; };

  for (let round = 0; round < 20; round++) {
    const key = `idem-${randomUUID()}`;
    const tag = `idemrace${String(round).padStart(3, '0')}`;
    const answers = await Promise.all(Array.from({ length: 4 }, () => fetch(`${base}/api/v1/persons`, {
      method: 'POST', headers: { ...H, 'Idempotency-Key': key },
      body: JSON.stringify({ first_name: 'สมชาย', last_name: tag, village_code: '55010101' }),
    }).then(async (x) => ({ status: x.status, body: await x.text() }))));
    for (const a of answers) count(`persons: answer ${a.status}`);
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => JSON.parse(a.body).id));
    const rows = Number(psql(DB, `SELECT count(*) FROM persons WHERE last_name = '${tag}'`));
    count(`persons: ${rows} row(s) per round`);
    if (rows !== 1 || ids.size !== 1) status = 1;
  }
  const personId = Number(psql(DB, 'SELECT min(id) FROM persons'));
  for (let round = 0; round < 20; round++) {
    const op = randomUUID();
    const body = JSON.stringify({ visits: [{ op_id: op, client_id: op, person_id: personId, visited_at: new Date(Date.now() - 3600e3 - round * 1000).toISOString() }] });
    const answers = await Promise.all(Array.from({ length: 4 }, () => fetch(`${base}/api/v1/sync/visits`, { method: 'POST', headers: H, body })
      .then(async (x) => (x.status === 200 ? (await x.json()).results[0].status : `HTTP ${x.status}`))));
    for (const a of answers) count(`visits: ${a}`);
    const rows = Number(psql(DB, `SELECT count(*) FROM visits WHERE client_id = '${op}'`));
    count(`visits: ${rows} row(s) per round`);
    if (rows !== 1) status = 1;
  }
  for (const [k, v] of Object.entries(tally).sort()) console.log(`${k.padEnd(32)} ${v}`);
  const causes = fs.readFileSync(path.join(work, 'server.log'), 'utf8').split('\n')
    .filter((l) => l.includes('request failed')).map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').replace(/^.*error\.cause=/, ''));
  if (causes.length) console.log(`server errors (${causes.length}), first: ${causes[0]}`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  psql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  fs.rmSync(work, { recursive: true, force: true });
}
process.exitCode = status;
