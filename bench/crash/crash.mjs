#!/usr/bin/env node
// Crash-consistency harness for ruamjai (issue 8, point 4).
//
// Writes through the API (persons with an Idempotency-Key, home visits through the sync API
// with client op ids), records every acknowledged write, kill -9s the server at a random
// moment, restarts it, retries every write whose answer was lost (same key / op id, once),
// and then checks through the API and directly in the database that
//   - every acknowledged person and visit exists exactly once (nothing lost, nothing doubled),
//   - no transaction is half written (audit entries, idempotency keys, sync receipts,
//     households, categories, the ADL category a visit sets, the dashboard count cache),
//   - the database is sound (SQLite: PRAGMA integrity_check / foreign_key_check;
//     PostgreSQL: foreign-key orphan queries and amcheck's bt_index_check on every index of
//     the tables written).
//
//   node bench/crash/crash.mjs --backend sqlite   --runs 200
//   node bench/crash/crash.mjs --backend postgres --runs 200
//
// Options: --bin PATH (default /tmp/ruamjai-crash, a copy of target/debug/ruamjai, because the
// tree's binary is rebuilt while this runs), --writers N (4), --kill-min MS (50),
// --kill-max MS (1500), --seed N, --port N, --pg-admin URL (postgres://postgres@127.0.0.1:5432),
// --pg-db NAME (crash), --api-sample N (6), --keep-going (do not stop at the first failing run),
// --json FILE (write the summary as JSON too), --inject KIND (see INJECTIONS: damage the
// database on purpose once, to see the checks fire).
//
// Plain Node 20, no packages. HTTP goes through node:http rather than the global fetch: each
// server process gets its own keep-alive agent (destroyed at the kill), so no request meant
// for the restarted server can travel on a socket of the killed one, and a write counts as
// acknowledged only when the whole answer (status and body) has arrived.
//
// Decisions (written down because the harness must be judged by them):
// - One run = write against a live server for a random 50-1500 ms, SIGKILL it (the pid of the
//   `ruamjai serve` process itself: it is spawned without a shell, and /proc/PID/exe is checked),
//   start a new server on the same database, retry the unknown writes, verify. The server
//   started after run i's kill is the one run i+1 writes to.
// - A write is "acknowledged" when its 2xx answer arrived in full before the kill; "unknown"
//   when it was sent (or about to be) and no full answer came. Unknown writes are retried after
//   the restart exactly once with the same Idempotency-Key / op_id; for persons the database is
//   looked at first to learn whether the lost attempt had committed (then the retry must answer
//   the same id), for visits the sync answer says so (`duplicate` vs `applied`). A successful
//   retry makes the write acknowledged; a failing retry is a failure.
// - Every writer owns its persons: visits go only to persons created by the same writer, so no
//   two requests touch one person's ADL category at once (that would test concurrency, not
//   crashes). Households are shared by three consecutive persons of a writer, sequentially.
// - The database checks are cumulative (every write of every run so far), the API checks
//   sample this run's writes (every retried one included) plus one total per run.
// - All persons are active; birth years are 2480 BE (elderly) or 2535 BE, so the expected
//   dashboard counts can be computed from the rows with no knowledge of today's date beyond
//   "born before 1950 is elderly".

import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// ---------------------------------------------------------------- options

// --inject KIND damages the database on purpose after run 2's retries, to show that the checks
// notice it (that run must fail): lost (an acknowledged person deleted), dup (a person copied),
// visit-dup (a visit copied under a new client id, the same client id being unique), receipt
// (a visit's sync receipt deleted), audit (a second person.create entry), count (the count
// cache off by one), category (an ADL category removed).
const INJECTIONS = ['lost', 'dup', 'visit-dup', 'receipt', 'audit', 'count', 'category'];

function parseArgs(argv) {
  const o = {
    backend: null,
    runs: 200,
    bin: '/tmp/ruamjai-crash',
    writers: 4,
    killMin: 50,
    killMax: 1500,
    seed: (Date.now() ^ (process.pid << 8)) >>> 0,
    port: null,
    pgAdmin: 'postgres://postgres@127.0.0.1:5432',
    pgDb: 'crash',
    apiSample: 6,
    keepGoing: false,
    json: null,
    inject: null,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--backend': o.backend = next(); break;
      case '--runs': o.runs = Number(next()); break;
      case '--bin': o.bin = next(); break;
      case '--writers': o.writers = Number(next()); break;
      case '--kill-min': o.killMin = Number(next()); break;
      case '--kill-max': o.killMax = Number(next()); break;
      case '--seed': o.seed = Number(next()) >>> 0; break;
      case '--port': o.port = Number(next()); break;
      case '--pg-admin': o.pgAdmin = next(); break;
      case '--pg-db': o.pgDb = next(); break;
      case '--api-sample': o.apiSample = Number(next()); break;
      case '--keep-going': o.keepGoing = true; break;
      case '--json': o.json = next(); break;
      case '--inject': o.inject = next(); break;
      case '-h': case '--help':
        console.log('usage: node bench/crash/crash.mjs --backend sqlite|postgres [--runs N] [--bin PATH] [--writers N] [--kill-min MS] [--kill-max MS] [--seed N] [--port N] [--keep-going] [--json FILE]');
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (o.backend !== 'sqlite' && o.backend !== 'postgres') {
    throw new Error('--backend sqlite|postgres is required');
  }
  if (!(o.runs >= 1) || !(o.writers >= 1) || !(o.killMax >= o.killMin)) throw new Error('bad numbers');
  if (o.inject && !INJECTIONS.includes(o.inject)) throw new Error(`--inject: one of ${INJECTIONS.join(', ')}`);
  if (o.port == null) o.port = o.backend === 'sqlite' ? 18731 : 18732;
  return o;
}

const opt = parseArgs(process.argv);

// A small seeded generator (mulberry32): kill moments, names and ADL scores repeat with --seed
// (the interleaving of the writers of course does not).
let rngState = opt.seed || 1;
function rand() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- fixed data

const SUBDISTRICT = '550101'; // ในเวียง, เมืองน่าน, น่าน
const VILLAGES = ['55010101', '55010102'];
const EMAIL = 'crash-harness@example.org';
const PASSWORD = `crash-${randomUUID()}`;
const FIRST = ['สมชาย', 'สมศรี', 'บุญมี', 'คำแปง', 'จันทร์ดี', 'ศรีนวล', 'แก้ว', 'ทองใบ', 'บัวผัน', 'อินถา'];
const ADL_ITEMS = [
  ['feeding', 2], ['grooming', 1], ['transfer', 3], ['toilet', 2], ['mobility', 3],
  ['dressing', 2], ['stairs', 2], ['bathing', 1], ['bowels', 2], ['bladder', 2],
];
const ADL_CATS = ['bedridden', 'homebound', 'socially_active'];
const adlGroup = (total) => (total <= 4 ? 'bedridden' : total <= 11 ? 'homebound' : 'socially_active');
// Thai citizen ID: 13 digits, the last a check digit (11 - Σ dᵢ·(13-i) mod 11) mod 10.
const ID_PREFIX = String(1000 + (opt.seed % 9000)); // 4 digits per invocation
function thaiId(seq) {
  const first12 = `3${ID_PREFIX}${String(seq).padStart(7, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (13 - i);
  return first12 + String((11 - (sum % 11)) % 10);
}

// ---------------------------------------------------------------- processes and database

const work = fs.mkdtempSync(path.join(os.tmpdir(), `ruamjai-crash-${opt.backend}-`));
const logFile = path.join(work, 'server.log');
const filesDir = path.join(work, 'files');
const sqliteFile = path.join(work, 'crash.db');
const dbUrl = opt.backend === 'sqlite' ? `sqlite://${sqliteFile}` : `${opt.pgAdmin}/${opt.pgDb}`;
const serverEnv = {
  ...process.env,
  RUAMJAI_DATABASE_URL: dbUrl,
  RUAMJAI_FILES_DIR: filesDir,
  RUAMJAI_LOG: 'warn',
  RUAMJAI_BASE_URL: `http://127.0.0.1:${opt.port}`,
};

function cli(args, input) {
  const r = spawnSync(opt.bin, args, { env: serverEnv, input, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`ruamjai ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

function psqlArgs(db) {
  const u = new URL(opt.pgAdmin);
  return ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
    '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'), '-d', db];
}

// Run SQL on the database directly; rows of strings (NULL reads as '').
function sql(q) {
  const r = opt.backend === 'sqlite'
    ? spawnSync('sqlite3', ['-batch', '-noheader', '-separator', '\t', '-cmd', '.timeout 30000', sqliteFile, q],
      { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync('psql', [...psqlArgs(opt.pgDb), '-c', q], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0 || (r.stderr && /error/i.test(r.stderr))) {
    throw new Error(`SQL failed: ${q}\n${r.stderr}`);
  }
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

// Several queries in one client process (a psql start costs ~100 ms on a loaded machine):
// results split on a marker row, returned by name.
const SEP = '@@crash-sep@@';
function sqlNamed(named) {
  const names = Object.keys(named);
  const qs = names.map((n) => named[n].trim().replace(/;$/, ''));
  let r;
  if (opt.backend === 'sqlite') {
    const script = qs.map((q) => `${q};\nSELECT '${SEP}';`).join('\n');
    r = spawnSync('sqlite3', ['-batch', '-noheader', '-separator', '\t', '-cmd', '.timeout 30000', sqliteFile, script],
      { encoding: 'utf8', maxBuffer: 1 << 30 });
  } else {
    const args = [...psqlArgs(opt.pgDb)];
    for (const q of qs) args.push('-c', q, '-c', `SELECT '${SEP}'`);
    r = spawnSync('psql', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  }
  if (r.status !== 0 || (r.stderr && /error/i.test(r.stderr))) {
    throw new Error(`SQL failed: ${r.stderr}`);
  }
  const out = {};
  let i = 0;
  let rows = [];
  for (const l of r.stdout.split('\n')) {
    if (l === '') continue;
    if (l === SEP) { out[names[i++]] = rows; rows = []; continue; }
    rows.push(l.split('\t'));
  }
  if (i !== names.length) throw new Error(`SQL batch: ${i} of ${names.length} results`);
  return out;
}

function prepareDatabase() {
  if (opt.backend === 'sqlite') {
    const v = spawnSync('sqlite3', ['--version'], { encoding: 'utf8' });
    if (v.status !== 0) throw new Error('sqlite3 CLI missing: apt-get install -y sqlite3');
  } else {
    const admin = (q) => {
      const r = spawnSync('psql', [...psqlArgs('postgres'), '-c', q], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`psql: ${q}: ${r.stderr}`);
    };
    admin(`DROP DATABASE IF EXISTS ${opt.pgDb} WITH (FORCE)`);
    admin(`CREATE DATABASE ${opt.pgDb}`);
    sql('CREATE EXTENSION IF NOT EXISTS amcheck');
  }
  cli(['migrate']);
  const csv = path.join(work, 'villages.csv');
  fs.writeFileSync(csv, `subdistrict_code,village_no,name_th,name_en\n${SUBDISTRICT},1,บ้านทดสอบหนึ่ง,Test One\n${SUBDISTRICT},2,บ้านทดสอบสอง,Test Two\n`);
  cli(['areas', 'import-villages', csv]);
  // staff over the subdistrict: persons and home visits of its villages, nothing else.
  cli(['users', 'create', '--email', EMAIL, '--name', 'Crash harness', '--role', 'staff',
    '--area', SUBDISTRICT, '--locale', 'en', '--password-stdin'], `${PASSWORD}\n`);
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

class Server {
  constructor() {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const log = fs.openSync(logFile, 'a');
    this.child = spawn(opt.bin, ['serve', '--listen', `127.0.0.1:${opt.port}`], {
      env: serverEnv,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.exitInfo = null;
    this.exited.then((e) => { this.exitInfo = e; });
  }

  async ready() {
    const deadline = Date.now() + 120_000;
    // The pid must be the server itself, not a wrapper.
    const exe = fs.readlinkSync(`/proc/${this.pid}/exe`);
    if (path.resolve(exe) !== fs.realpathSync(opt.bin)) {
      throw new Error(`pid ${this.pid} is ${exe}, not ${opt.bin}`);
    }
    while (Date.now() < deadline) {
      if (this.exitInfo) throw new Error(`server exited during start: ${JSON.stringify(this.exitInfo)} (see ${logFile})`);
      try {
        const r = await request(this, 'GET', '/readyz', { timeout: 2000 });
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      await sleep(20);
    }
    throw new Error('server not ready after 120 s');
  }

  async kill9() {
    process.kill(this.pid, 'SIGKILL');
    const e = await this.exited;
    this.agent.destroy();
    if (e.signal !== 'SIGKILL') throw new Error(`server ended with ${JSON.stringify(e)}, not SIGKILL`);
  }

  async stop() {
    if (!this.exitInfo) process.kill(this.pid, 'SIGTERM');
    await this.exited;
    this.agent.destroy();
  }
}

// One HTTP exchange; resolves only when the whole body has arrived.
function request(server, method, p, { headers = {}, body, timeout = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const h = { ...headers };
    if (data) {
      if (!h['Content-Type']) h['Content-Type'] = 'application/json';
      h['Content-Length'] = data.length;
    }
    const req = http.request({
      host: '127.0.0.1', port: opt.port, method, path: p, headers: h, agent: server.agent,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (!res.complete) { reject(new Error('answer cut short')); return; }
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('answer aborted')));
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`timeout after ${timeout} ms`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

let token = null;
const auth = () => ({ Authorization: `Bearer ${token}`, 'Accept-Language': 'en' });

async function api(server, method, p, body, extra = {}) {
  const r = await request(server, method, `/api/v1${p}`, { headers: { ...auth(), ...extra }, body });
  let json = null;
  try { json = r.text ? JSON.parse(r.text) : null; } catch { /* not JSON */ }
  return { status: r.status, json, text: r.text };
}

// Sign in on the web form (CSRF double submit) and make an API token once.
async function makeToken(server) {
  const cookies = {};
  const keep = (res) => {
    for (const c of res.headers['set-cookie'] || []) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      cookies[kv.slice(0, i)] = kv.slice(i + 1);
    }
  };
  const cookieHeader = () => Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ');
  keep(await request(server, 'GET', '/login'));
  const csrf = cookies.ruamjai_csrf;
  if (!csrf) throw new Error('no CSRF cookie from GET /login');
  const form = new URLSearchParams({ email: EMAIL, password: PASSWORD, csrf }).toString();
  const login = await request(server, 'POST', '/login', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookieHeader() }, body: form,
  });
  keep(login);
  if (login.status !== 303 || !cookies.ruamjai_session) throw new Error(`login failed: ${login.status} ${login.text.slice(0, 300)}`);
  const t = await request(server, 'POST', '/api/v1/tokens', {
    headers: { Cookie: cookieHeader(), 'X-CSRF-Token': csrf }, body: { name: 'crash harness' },
  });
  if (t.status !== 201) throw new Error(`token: ${t.status} ${t.text}`);
  token = JSON.parse(t.text).secret;
}

// ---------------------------------------------------------------- what the harness knows

const persons = new Map(); // tag -> person
const visits = new Map(); // op_id -> visit
const owned = Array.from({ length: opt.writers }, () => []); // writer -> acknowledged persons
const writerCount = new Array(opt.writers).fill(0);
let personSeq = 0;
let visitSeq = 0;
const visitBase = Date.now() - 40 * 86400_000; // visits 40 days ago onwards, one second apart

const totals = {
  runs: 0, failedRuns: 0, killsMidWrite: 0,
  personsAcked: 0, visitsAcked: 0, // acknowledged on the first attempt
  personsUnknown: 0, personsUnknownCommitted: 0,
  visitsUnknown: 0, visitsUnknownCommitted: 0,
  retriesOk: 0, retriesFailed: 0,
  lost: 0, duplicated: 0, partial: 0, integrity: 0, apiFailures: 0, otherFailures: 0,
  requestErrorsBeforeKill: 0,
  startMs: Date.now(),
};

function newPerson(w) {
  const seq = ++personSeq;
  const n = writerCount[w]++;
  const household = Math.floor(n / 3);
  const kind = seq % 4;
  return {
    seq,
    writer: w,
    tag: `crash${String(seq).padStart(7, '0')}`,
    key: `crash-${opt.seed}-${seq}`,
    idNumber: thaiId(seq),
    village: VILLAGES[household % 2],
    house: `w${w}-${household}`,
    birth: seq % 3 === 0 ? '2480' : '2535',
    first: pick(FIRST),
    cats: kind === 0 ? ['poor'] : kind === 1 ? ['chronic_illness'] : [],
    id: null,
    state: 'new',
    run: null,
    retried: false,
  };
}

function personBody(p) {
  return {
    first_name: p.first,
    last_name: p.tag,
    id_number: p.idNumber,
    birth_date: p.birth,
    sex: p.seq % 2 ? 'male' : 'female',
    village_code: p.village,
    house_number: p.house,
    categories: p.cats.map((c) => (c === 'chronic_illness' ? { category: c, note: 'เบาหวาน' } : { category: c })),
  };
}

function newVisit(p) {
  const seq = ++visitSeq;
  const op = randomUUID();
  let adl = null;
  let group = null;
  if (rand() < 0.5) {
    adl = {};
    let total = 0;
    for (const [name, max] of ADL_ITEMS) {
      const s = randInt(0, max);
      adl[name] = s;
      total += s;
    }
    group = adlGroup(total);
  }
  return {
    seq,
    op,
    person: p,
    visitedAt: new Date(visitBase + seq * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    adl,
    group,
    state: 'new',
    run: null,
    retried: false,
  };
}

function visitBody(v) {
  return {
    op_id: v.op,
    client_id: v.op,
    person_id: v.person.id,
    base_version: null,
    visited_at: v.visitedAt,
    vitals: { systolic: 110 + (v.seq % 50), diastolic: 70 + (v.seq % 20), pulse: 60 + (v.seq % 40), temperature: '36.8' },
    adl: v.adl,
    needs: v.seq % 5 === 0 ? ['food', 'medicine'] : [],
    needs_note: '',
    notes: `crash visit ${v.seq}`,
  };
}

// ---------------------------------------------------------------- one run

function fail(run, kind, message) {
  run.failures.push(`${kind}: ${message}`);
  if (kind in totals) totals[kind]++;
  else totals.otherFailures++;
}

async function writer(w, server, run, ctx) {
  while (!ctx.stop) {
    // a person
    const p = newPerson(w);
    p.run = run.n;
    persons.set(p.tag, p);
    p.state = 'inflight';
    ctx.inflight.add(p);
    try {
      const r = await api(server, 'POST', '/persons', personBody(p), { 'Idempotency-Key': p.key });
      ctx.inflight.delete(p);
      if (r.status === 201 && r.json && Number.isInteger(r.json.id)) {
        p.id = r.json.id;
        p.state = 'acked';
        owned[w].push(p);
        run.personsAcked++;
      } else if (r.status >= 500) {
        p.state = 'unknown';
        totals.requestErrorsBeforeKill++;
        fail(run, 'otherFailures', `person ${p.tag}: ${r.status} ${r.text.slice(0, 200)}`);
      } else {
        p.state = 'rejected';
        fail(run, 'otherFailures', `person ${p.tag} refused: ${r.status} ${r.text.slice(0, 300)}`);
      }
    } catch (e) {
      ctx.inflight.delete(p);
      p.state = 'unknown';
      if (!ctx.killed) {
        totals.requestErrorsBeforeKill++;
        fail(run, 'otherFailures', `person ${p.tag}: ${e.message} before the kill`);
      }
    }
    if (ctx.stop) break;
    // one to three visits to this writer's persons
    if (owned[w].length === 0) continue;
    const batch = Array.from({ length: randInt(1, 3) }, () => newVisit(pick(owned[w])));
    for (const v of batch) {
      v.run = run.n;
      v.state = 'inflight';
      visits.set(v.op, v);
      ctx.inflight.add(v);
    }
    try {
      const r = await api(server, 'POST', '/sync/visits', { visits: batch.map(visitBody) });
      for (const v of batch) ctx.inflight.delete(v);
      if (r.status === 200 && r.json && Array.isArray(r.json.results) && r.json.results.length === batch.length) {
        batch.forEach((v, i) => {
          const res = r.json.results[i];
          if (res.client_id === v.op && res.status === 'applied' && Number.isInteger(res.visit_id)) {
            v.id = res.visit_id;
            v.state = 'acked';
            run.visitsAcked++;
          } else {
            v.state = 'rejected';
            fail(run, 'otherFailures', `visit ${v.op} answered ${JSON.stringify(res)}`);
          }
        });
      } else {
        for (const v of batch) v.state = r.status >= 500 ? 'unknown' : 'rejected';
        fail(run, 'otherFailures', `sync: ${r.status} ${r.text.slice(0, 300)}`);
      }
    } catch (e) {
      for (const v of batch) { ctx.inflight.delete(v); v.state = 'unknown'; }
      if (!ctx.killed) {
        totals.requestErrorsBeforeKill++;
        fail(run, 'otherFailures', `sync: ${e.message} before the kill`);
      }
    }
  }
}

async function retryUnknown(server, run) {
  const ups = [...persons.values()].filter((p) => p.state === 'unknown');
  const uvs = [...visits.values()].filter((v) => v.state === 'unknown');
  run.personsUnknown = ups.length;
  run.visitsUnknown = uvs.length;
  // Did the lost attempt commit? Look before retrying.
  const before = new Map();
  if (ups.length) {
    for (const [tag, id] of sql(`SELECT last_name, id FROM persons WHERE last_name IN (${ups.map((p) => `'${p.tag}'`).join(',')})`)) {
      if (before.has(tag)) fail(run, 'duplicated', `person ${tag} twice before its retry`);
      before.set(tag, Number(id));
    }
  }
  for (const p of ups) {
    p.retried = true;
    const committed = before.get(p.tag);
    if (committed !== undefined) run.personsUnknownCommitted++;
    try {
      const r = await api(server, 'POST', '/persons', personBody(p), { 'Idempotency-Key': p.key });
      if (r.status === 201 && r.json && Number.isInteger(r.json.id)) {
        if (committed !== undefined && r.json.id !== committed) {
          fail(run, 'duplicated', `person ${p.tag}: the lost attempt made id ${committed}, the retry answered ${r.json.id}`);
        }
        p.id = r.json.id;
        p.state = 'acked';
        owned[p.writer].push(p);
        totals.retriesOk++;
      } else {
        totals.retriesFailed++;
        fail(run, 'otherFailures', `retry of person ${p.tag} (committed before: ${committed !== undefined}): ${r.status} ${r.text.slice(0, 300)}`);
      }
    } catch (e) {
      totals.retriesFailed++;
      fail(run, 'otherFailures', `retry of person ${p.tag}: ${e.message}`);
    }
  }
  // Visits of persons whose creation is still not known cannot be sent; none are, since a
  // visit is only made for an acknowledged person.
  for (let i = 0; i < uvs.length; i += 100) {
    const batch = uvs.slice(i, i + 100);
    for (const v of batch) v.retried = true;
    try {
      const r = await api(server, 'POST', '/sync/visits', { visits: batch.map(visitBody) });
      if (r.status !== 200 || !r.json || r.json.results.length !== batch.length) {
        totals.retriesFailed += batch.length;
        fail(run, 'otherFailures', `retry of ${batch.length} visits: ${r.status} ${r.text.slice(0, 300)}`);
        continue;
      }
      batch.forEach((v, k) => {
        const res = r.json.results[k];
        if (res.client_id === v.op && (res.status === 'applied' || res.status === 'duplicate') && Number.isInteger(res.visit_id)) {
          if (res.status === 'duplicate') run.visitsUnknownCommitted++;
          v.id = res.visit_id;
          v.state = 'acked';
          totals.retriesOk++;
        } else {
          totals.retriesFailed++;
          fail(run, 'otherFailures', `retry of visit ${v.op}: ${JSON.stringify(res)}`);
        }
      });
    } catch (e) {
      totals.retriesFailed += batch.length;
      fail(run, 'otherFailures', `retry of visits: ${e.message}`);
    }
  }
}

// ---------------------------------------------------------------- self-test of the checks

function inject(kind) {
  const p = [...persons.values()].find((x) => x.state === 'acked' && [...visits.values()].some((v) => v.state === 'acked' && v.person === x && v.group));
  const v = [...visits.values()].find((x) => x.state === 'acked');
  const copy = (table, where, set) => sql(`CREATE TEMP TABLE crash_copy AS SELECT * FROM ${table} WHERE ${where};
    UPDATE crash_copy SET id = (SELECT max(id) + 1 FROM ${table}), ${set};
    INSERT INTO ${table} SELECT * FROM crash_copy; DROP TABLE crash_copy;`);
  switch (kind) {
    case 'lost': sql(`DELETE FROM person_categories WHERE person_id = ${p.id}; DELETE FROM sync_receipts WHERE visit_id IN (SELECT id FROM visits WHERE person_id = ${p.id});
      DELETE FROM visits WHERE person_id = ${p.id}; DELETE FROM persons WHERE id = ${p.id}`); break;
    case 'dup': copy('persons', `id = ${p.id}`, 'id_number = NULL'); break;
    case 'visit-dup': copy('visits', `id = ${v.id}`, `client_id = '${randomUUID()}'`); break;
    case 'receipt': sql(`DELETE FROM sync_receipts WHERE op_id = '${v.op}'`); break;
    case 'audit': sql(`INSERT INTO audit_log (at, action, entity, entity_id) VALUES (CURRENT_TIMESTAMP, 'person.create', 'person', '${p.id}')`); break;
    case 'count': sql(`UPDATE area_counts SET n = n + 1 WHERE area_code = '${p.village}' AND category = 'total'`); break;
    case 'category': sql(`DELETE FROM person_categories WHERE person_id = ${p.id} AND category IN ('bedridden', 'homebound', 'socially_active')`); break;
    default: throw new Error(kind);
  }
  console.log(`    injected damage: ${kind} (person ${p.tag}, visit ${v.op})`);
}

// ---------------------------------------------------------------- checks in the database

const countBy = (rows, f) => {
  const m = new Map();
  for (const r of rows) {
    const k = f(r);
    m.set(k, (m.get(k) || 0) + 1);
  }
  return m;
};

function checkDatabase(run) {
  const named = {
    persons: 'SELECT id, last_name, id_number, village_code, household_id, status FROM persons',
    visits: 'SELECT id, client_id, person_id, adl_group, version FROM visits',
    receipts: 'SELECT op_id, visit_id, outcome, version FROM sync_receipts',
    personAudit: "SELECT entity_id FROM audit_log WHERE action = 'person.create' AND entity = 'person'",
    visitAudit: "SELECT entity_id FROM audit_log WHERE action = 'visit.record' AND entity = 'visit'",
    keys: 'SELECT key, entity, entity_id FROM idempotency_keys',
    households: 'SELECT h.id, h.village_code, h.house_number, (SELECT count(*) FROM persons p WHERE p.household_id = h.id) FROM households h',
    categories: 'SELECT person_id, category FROM person_categories',
    counted: `SELECT village_code, 'total', count(*) FROM persons WHERE status = 'active' GROUP BY village_code
      UNION ALL SELECT village_code, 'elderly', count(*) FROM persons WHERE status = 'active' AND birth_date < '1950-01-01' GROUP BY village_code
      UNION ALL SELECT p.village_code, pc.category, count(*) FROM person_categories pc JOIN persons p ON p.id = pc.person_id WHERE p.status = 'active' GROUP BY p.village_code, pc.category`,
    cache: 'SELECT area_code, category, n FROM area_counts',
  };
  if (opt.backend === 'sqlite') {
    named.integrity = 'PRAGMA integrity_check';
    named.foreignKeys = 'PRAGMA foreign_key_check';
  } else {
    // Foreign-key orphans of the tables written (the constraints should make these 0).
    named.orphans = [
      ['persons.household_id', 'persons p WHERE p.household_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM households h WHERE h.id = p.household_id)'],
      ['persons.village_code', 'persons p WHERE NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = p.village_code)'],
      ['households.village_code', 'households h WHERE NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = h.village_code)'],
      ['person_categories.person_id', 'person_categories c WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = c.person_id)'],
      ['visits.person_id', 'visits v WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = v.person_id)'],
      ['visits.village_code', 'visits v WHERE NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = v.village_code)'],
      ['visits.visitor_id', 'visits v WHERE v.visitor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = v.visitor_id)'],
      ['sync_receipts.visit_id', 'sync_receipts r WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = r.visit_id)'],
    ].map(([name, from]) => `SELECT '${name}', count(*) FROM ${from}`).join(' UNION ALL ');
    // amcheck on every B-tree index of the tables written; heapallindexed: every row is found
    // in the index. A corrupt index raises an error: the batch fails and the run reports it as
    // an integrity failure.
    named.amcheck = `SELECT c.relname, bt_index_check(i.indexrelid, true) FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_am am ON am.oid = c.relam
        WHERE am.amname = 'btree' AND t.relname IN ('persons','households','person_categories','idempotency_keys','area_counts','audit_log','visits','sync_receipts')`;
  }
  const R = sqlNamed(named);
  const ackedPersons = [...persons.values()].filter((p) => p.state === 'acked');
  const ackedVisits = [...visits.values()].filter((v) => v.state === 'acked');
  const sentTags = new Set([...persons.values()].filter((p) => p.state !== 'new').map((p) => p.tag));
  const sentOps = new Set([...visits.values()].filter((v) => v.state !== 'new').map((v) => v.op));

  // persons: each acknowledged one exactly once, with the id it was acknowledged with
  const prow = R.persons;
  const byTag = new Map();
  const byId = new Map();
  for (const [id, tag, idn, village, hh, status] of prow) {
    const r = { id: Number(id), tag, idn, village, hh: hh === '' ? null : Number(hh), status };
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push(r);
    byId.set(r.id, r);
  }
  for (const [tag, rs] of byTag) {
    if (rs.length > 1) fail(run, 'duplicated', `person ${tag} stored ${rs.length} times (ids ${rs.map((r) => r.id).join(',')})`);
    if (!sentTags.has(tag)) fail(run, 'duplicated', `person ${tag} stored but never sent`);
  }
  for (const p of ackedPersons) {
    const rs = byTag.get(p.tag);
    if (!rs) { fail(run, 'lost', `acknowledged person ${p.tag} (id ${p.id}, run ${p.run}) is missing`); continue; }
    const r = rs[0];
    if (r.id !== p.id) fail(run, 'lost', `person ${p.tag} acknowledged as id ${p.id}, stored as ${r.id}`);
    if (r.idn !== p.idNumber || r.village !== p.village || r.status !== 'active') {
      fail(run, 'partial', `person ${p.tag} stored with other values: ${JSON.stringify(r)}`);
    }
  }
  for (const p of persons.values()) {
    if (p.state === 'rejected' && byTag.has(p.tag)) fail(run, 'partial', `refused person ${p.tag} was stored`);
  }

  // visits: each acknowledged one exactly once, on the right person
  const vrow = R.visits;
  const vByOp = new Map();
  for (const [id, op, pid, group, version] of vrow) {
    if (vByOp.has(op)) fail(run, 'duplicated', `visit ${op} stored twice`);
    vByOp.set(op, { id: Number(id), pid: Number(pid), group: group || null, version: Number(version) });
    if (!sentOps.has(op)) fail(run, 'duplicated', `visit ${op} stored but never sent`);
  }
  for (const v of ackedVisits) {
    const r = vByOp.get(v.op);
    if (!r) { fail(run, 'lost', `acknowledged visit ${v.op} (id ${v.id}, run ${v.run}) is missing`); continue; }
    if (r.id !== v.id || r.pid !== v.person.id || r.group !== v.group || r.version !== 1) {
      fail(run, 'partial', `visit ${v.op} stored as ${JSON.stringify(r)}, acknowledged as id ${v.id} of person ${v.person.id} group ${v.group}`);
    }
  }

  // sync receipts: one per visit, naming it, same count
  const rrow = R.receipts;
  const rByOp = new Map(rrow.map(([op, vid, outcome, version]) => [op, { vid: Number(vid), outcome, version: Number(version) }]));
  if (rrow.length !== vrow.length) fail(run, 'partial', `${rrow.length} sync receipts for ${vrow.length} visits`);
  for (const [op, v] of vByOp) {
    const r = rByOp.get(op);
    if (!r || r.vid !== v.id || r.outcome !== 'applied' || r.version !== 1) fail(run, 'partial', `visit ${op}: receipt ${JSON.stringify(r)}`);
  }
  for (const [op] of rByOp) if (!vByOp.has(op)) fail(run, 'partial', `receipt ${op} without its visit`);

  // audit: exactly one creation entry per person and per visit, none for rows that do not exist
  const pa = countBy(R.personAudit, (r) => Number(r[0]));
  for (const id of byId.keys()) if (pa.get(id) !== 1) fail(run, 'partial', `person ${id} has ${pa.get(id) || 0} person.create audit entries`);
  for (const id of pa.keys()) if (!byId.has(id)) fail(run, 'partial', `person.create audited for missing person ${id}`);
  const va = countBy(R.visitAudit, (r) => Number(r[0]));
  const vIds = new Set([...vByOp.values()].map((v) => v.id));
  for (const id of vIds) if (va.get(id) !== 1) fail(run, 'partial', `visit ${id} has ${va.get(id) || 0} visit.record audit entries`);
  for (const id of va.keys()) if (!vIds.has(id)) fail(run, 'partial', `visit.record audited for missing visit ${id}`);

  // idempotency keys: one per person (every creation carried one), naming it
  const krow = R.keys;
  const kByKey = new Map(krow.map(([k, e, id]) => [k, { e, id: Number(id) }]));
  if (krow.length !== prow.length) fail(run, 'partial', `${krow.length} idempotency keys for ${prow.length} persons`);
  for (const p of ackedPersons) {
    const k = kByKey.get(p.key);
    if (!k || k.e !== 'person' || k.id !== p.id) fail(run, 'partial', `person ${p.tag}: idempotency key ${JSON.stringify(k)}`);
  }
  for (const [, k] of kByKey) if (!byId.has(k.id)) fail(run, 'partial', `idempotency key names missing person ${k.id}`);

  // households: every person in the household of its house number, no household left empty
  const hrow = R.households;
  const hById = new Map(hrow.map(([id, village, house, n]) => [Number(id), { village, house, n: Number(n) }]));
  for (const [id, h] of hById) if (h.n === 0) fail(run, 'partial', `household ${id} (${h.village}/${h.house}) has no person`);
  for (const p of ackedPersons) {
    const r = byTag.get(p.tag)?.[0];
    if (!r) continue;
    const h = hById.get(r.hh);
    if (!h || h.village !== p.village || h.house !== p.house) fail(run, 'partial', `person ${p.tag} in household ${r.hh} ${JSON.stringify(h)}, expected ${p.village}/${p.house}`);
  }

  // categories: those given at creation, and the ADL one of the latest ADL visit
  const crow = R.categories;
  const cats = new Map();
  for (const [pid, c] of crow) {
    const id = Number(pid);
    if (!cats.has(id)) cats.set(id, new Set());
    cats.get(id).add(c);
  }
  const latestAdl = new Map();
  for (const v of ackedVisits) {
    if (!v.group) continue;
    const cur = latestAdl.get(v.person.id);
    if (!cur || v.seq > cur.seq) latestAdl.set(v.person.id, v);
  }
  for (const p of ackedPersons) {
    const have = cats.get(p.id) || new Set();
    for (const c of p.cats) if (!have.has(c)) fail(run, 'partial', `person ${p.tag} lacks its category ${c}`);
    const adl = [...have].filter((c) => ADL_CATS.includes(c));
    const want = latestAdl.get(p.id)?.group;
    const ok = want ? adl.length === 1 && adl[0] === want : adl.length === 0;
    if (!ok) fail(run, 'partial', `person ${p.tag} has ADL categories [${adl}] but its latest ADL visit says ${want || 'none'}`);
    const other = [...have].filter((c) => !ADL_CATS.includes(c) && !p.cats.includes(c));
    if (other.length) fail(run, 'partial', `person ${p.tag} has unexpected categories ${other}`);
  }

  // the dashboard count cache, per village and every level above, against the rows
  const expected = new Map(); // "area|category" -> n
  const add = (area, c, n) => expected.set(`${area}|${c}`, (expected.get(`${area}|${c}`) || 0) + n);
  const lineage = (v) => [v, v.slice(0, 6), v.slice(0, 4), v.slice(0, 2), ''];
  for (const [village, c, n] of R.counted) {
    for (const a of lineage(village)) add(a, c, Number(n));
  }
  const cache = new Map(R.cache.map(([a, c, n]) => [`${a}|${c}`, Number(n)]));
  for (const [k, n] of expected) if (cache.get(k) !== n) fail(run, 'partial', `count cache ${k} = ${cache.get(k)}, rows say ${n}`);
  for (const [k, n] of cache) if (n !== 0 && !expected.has(k)) fail(run, 'partial', `count cache ${k} = ${n}, rows say 0`);

  // integrity of the database itself
  if (opt.backend === 'sqlite') {
    const ic = R.integrity.map((r) => r.join(' '));
    if (ic.length !== 1 || ic[0] !== 'ok') fail(run, 'integrity', `integrity_check: ${ic.slice(0, 5).join('; ')}`);
    const fk = R.foreignKeys;
    if (fk.length) fail(run, 'integrity', `foreign_key_check: ${fk.slice(0, 5).map((r) => r.join(' ')).join('; ')}`);
  } else {
    for (const [name, n] of R.orphans) if (Number(n) !== 0) fail(run, 'integrity', `${n} orphan rows in ${name}`);
    if (R.amcheck.length < 20) fail(run, 'integrity', `only ${R.amcheck.length} indexes checked (23 expected)`);
  }
  return { persons: prow.length, visits: vrow.length };
}

// ---------------------------------------------------------------- checks through the API

async function checkApi(server, run, dbCounts) {
  const mine = [...persons.values()].filter((p) => p.state === 'acked' && p.run === run.n);
  const sample = [...mine.filter((p) => p.retried)];
  const rest = mine.filter((p) => !p.retried);
  while (sample.length < mine.filter((p) => p.retried).length + opt.apiSample && rest.length) {
    sample.push(rest.splice(Math.floor(rand() * rest.length), 1)[0]);
  }
  // persons of visits retried in this run too
  for (const v of visits.values()) if (v.retried && v.run === run.n && v.state === 'acked' && !sample.includes(v.person)) sample.push(v.person);
  for (const p of sample) {
    const s = await api(server, 'GET', `/persons?q=${p.idNumber}&limit=5`);
    if (s.status !== 200 || s.json.total !== 1 || s.json.items[0].id !== p.id) {
      fail(run, 'apiFailures', `search for ${p.tag}: ${s.status} ${s.text.slice(0, 200)}`);
      if (s.status === 200 && s.json.total > 1) totals.duplicated++;
      if (s.status === 200 && s.json.total === 0) totals.lost++;
      continue;
    }
    const d = await api(server, 'GET', `/persons/${p.id}`);
    if (d.status !== 200 || d.json.person.last_name !== p.tag) fail(run, 'apiFailures', `person ${p.tag}: ${d.status} ${d.text.slice(0, 200)}`);
    const vs = await api(server, 'GET', `/persons/${p.id}/visits`);
    if (vs.status !== 200) { fail(run, 'apiFailures', `visits of ${p.tag}: ${vs.status}`); continue; }
    const seen = countBy(vs.json.items, (x) => x.client_id);
    const want = [...visits.values()].filter((v) => v.state === 'acked' && v.person === p);
    for (const v of want) {
      const n = seen.get(v.op) || 0;
      if (n !== 1) fail(run, n ? 'duplicated' : 'lost', `API lists visit ${v.op} of ${p.tag} ${n} times`);
    }
    if (vs.json.items.length !== want.length) fail(run, 'apiFailures', `API lists ${vs.json.items.length} visits of ${p.tag}, ${want.length} acknowledged`);
  }
  // the whole registry in the harness village, through the API
  const all = await api(server, 'GET', `/persons?area=${SUBDISTRICT}&limit=1`);
  const acked = [...persons.values()].filter((p) => p.state === 'acked').length;
  if (all.status !== 200 || all.json.total !== acked || dbCounts.persons !== acked) {
    fail(run, 'apiFailures', `API total ${all.json?.total}, database ${dbCounts.persons}, acknowledged ${acked}`);
  }
  return sample.length;
}

// ---------------------------------------------------------------- main

async function oneRun(n, server) {
  const run = {
    n, failures: [], personsAcked: 0, visitsAcked: 0, personsUnknown: 0, personsUnknownCommitted: 0,
    visitsUnknown: 0, visitsUnknownCommitted: 0, inflightAtKill: 0,
  };
  const t0 = Date.now();
  const ctx = { stop: false, killed: false, inflight: new Set() };
  const killAfter = randInt(opt.killMin, opt.killMax);
  const writers = Array.from({ length: opt.writers }, (_, w) => writer(w, server, run, ctx));
  await sleep(killAfter);
  ctx.stop = true;
  ctx.killed = true;
  run.inflightAtKill = ctx.inflight.size;
  await server.kill9();
  await Promise.all(writers);
  const tKill = Date.now();
  const next = new Server();
  await next.ready();
  const tReady = Date.now();
  await retryUnknown(next, run);
  if (opt.inject && n === 2) inject(opt.inject);
  let dbCounts = { persons: 0, visits: 0 };
  let sampled = 0;
  const tCheck = Date.now();
  try {
    dbCounts = checkDatabase(run);
  } catch (e) {
    fail(run, 'integrity', `database check failed: ${e.message.slice(0, 500)}`);
  }
  const tDb = Date.now();
  try {
    sampled = await checkApi(next, run, dbCounts);
  } catch (e) {
    fail(run, 'apiFailures', `API check failed: ${e.message}`);
  }
  const tApi = Date.now();
  totals.runs++;
  totals.personsAcked += run.personsAcked;
  totals.visitsAcked += run.visitsAcked;
  totals.personsUnknown += run.personsUnknown;
  totals.personsUnknownCommitted += run.personsUnknownCommitted;
  totals.visitsUnknown += run.visitsUnknown;
  totals.visitsUnknownCommitted += run.visitsUnknownCommitted;
  if (run.inflightAtKill > 0) totals.killsMidWrite++;
  if (run.failures.length) totals.failedRuns++;
  const ms = Date.now() - t0;
  console.log(
    `run ${String(n).padStart(3)}  kill@${String(killAfter).padStart(4)}ms in-flight ${String(run.inflightAtKill).padStart(2)}`
    + `  acked persons ${String(run.personsAcked).padStart(3)} visits ${String(run.visitsAcked).padStart(3)}`
    + `  unknown persons ${run.personsUnknown} (${run.personsUnknownCommitted} had committed)`
    + ` visits ${run.visitsUnknown} (${run.visitsUnknownCommitted} had committed)`
    + `  restart ${tReady - tKill}ms  db ${dbCounts.persons}p/${dbCounts.visits}v (${tDb - tCheck}ms)  api ${sampled} persons (${tApi - tDb}ms)`
    + `  ${run.failures.length ? `FAIL (${run.failures.length})` : 'ok'}  ${(ms / 1000).toFixed(1)}s`,
  );
  for (const f of run.failures.slice(0, 20)) console.log(`    ${f}`);
  return { next, failed: run.failures.length > 0 };
}

async function main() {
  if (!fs.existsSync(opt.bin)) throw new Error(`${opt.bin} missing: cp target/debug/ruamjai ${opt.bin}`);
  if (!(await portFree(opt.port))) throw new Error(`port ${opt.port} is in use (--port)`);
  const version = spawnSync(opt.bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`crash harness: backend ${opt.backend}, ${opt.runs} runs, ${opt.writers} writers, kill after ${opt.killMin}-${opt.killMax} ms, seed ${opt.seed}`);
  console.log(`binary ${opt.bin} (${version}), database ${dbUrl.replace(/\/\/[^@/]*@/, '//…@')}, work dir ${work}`);
  prepareDatabase();
  let server = new Server();
  await server.ready();
  await makeToken(server);
  let stopped = false;
  for (let n = 1; n <= opt.runs; n++) {
    const { next, failed } = await oneRun(n, server);
    server = next;
    if (failed && !opt.keepGoing) {
      stopped = true;
      console.log(`stopping at the first failing run; the database is kept (${dbUrl}), server log ${logFile}`);
      break;
    }
  }
  await server.stop();
  const secs = (Date.now() - totals.startMs) / 1000;
  const summary = {
    backend: opt.backend, seed: opt.seed, writers: opt.writers, killWindowMs: [opt.killMin, opt.killMax],
    binary: version,
    runs: totals.runs, killsMidWrite: totals.killsMidWrite, failedRuns: totals.failedRuns,
    personsAckedFirstTry: totals.personsAcked, visitsAckedFirstTry: totals.visitsAcked,
    personsUnknown: totals.personsUnknown, personsUnknownThatHadCommitted: totals.personsUnknownCommitted,
    visitsUnknown: totals.visitsUnknown, visitsUnknownThatHadCommitted: totals.visitsUnknownCommitted,
    retriesOk: totals.retriesOk, retriesFailed: totals.retriesFailed,
    personsAckedTotal: [...persons.values()].filter((p) => p.state === 'acked').length,
    visitsAckedTotal: [...visits.values()].filter((v) => v.state === 'acked').length,
    lost: totals.lost, duplicated: totals.duplicated, partial: totals.partial,
    integrityFailures: totals.integrity, apiFailures: totals.apiFailures, otherFailures: totals.otherFailures,
    seconds: Math.round(secs), secondsPerRun: Number((secs / Math.max(1, totals.runs)).toFixed(2)),
  };
  console.log('\nsummary');
  for (const [k, v] of Object.entries(summary)) console.log(`  ${k.padEnd(32)} ${Array.isArray(v) ? v.join('-') : v}`);
  if (opt.json) fs.writeFileSync(opt.json, `${JSON.stringify(summary, null, 2)}\n`);
  const bad = stopped || totals.failedRuns > 0 || totals.lost || totals.duplicated || totals.partial
    || totals.integrity || totals.apiFailures || totals.otherFailures;
  // On success the work directory goes (the PostgreSQL database stays until the next run
  // drops it); on failure both stay for inspection.
  if (!bad) fs.rmSync(work, { recursive: true, force: true });
  process.exitCode = bad ? 1 : 0;
}

main().catch((e) => {
  console.error(`crash harness error: ${e.stack || e}`);
  process.exitCode = 2;
});
