// The field app (ร่วมใจ ภาคสนาม): a morning of home visits without signal. Small and plain.
//
// - IndexedDB "ruamjai-field" keeps four stores on the phone: "persons" (the caller's own "my
//   visits" list, as the API last gave it), "stations" (the watch stations whose readings the
//   caller enters, as the API last gave them), "outbox" (visits recorded here with their photos,
//   corrections, and station readings, waiting to be sent) and "sent" (visits this phone sent,
//   as sent, with the version the server gave them; a week long, to correct them). Nothing
//   personal goes into the service worker's Cache API.
// - A reading is an outbox entry with `reading` instead of `visit`: its op_id is made on the
//   phone when it is saved, and so is its time ("now" is the moment of saving); the server
//   applies it once per op_id (201, or 200 for a resend), so a lost answer is simply sent again.
//   A refused one (422) stays with the server's errors to fix (same op_id: nothing was written)
//   or discard.
// - Correcting a sent visit queues an edit: a new op_id, the same client_id, and the version
//   the phone knows as base_version. When the visit changed on the server in the meantime, the
//   server keeps the edit for a coordinator ("conflict") and the app says so: never a silent
//   overwrite either way.
// - Sending: on load, when the phone comes back online, every minute while something waits, and
//   on "send now". Each visit is sent, then each of its photos; the entry leaves the outbox only
//   when the visit and every photo were accepted. Retries are safe: the server applies a visit
//   once per op_id and a photo once per photo_id.
// - Signing out from this page deletes the database (the server also clears site data).
"use strict";

(function () {
  const app = document.getElementById("field-app");
  if (!app) return;

  const DB_NAME = "ruamjai-field";
  const DB_VERSION = 3; // 1: persons, outbox; 2: sent; 3: stations
  const KEEP_SENT_DAYS = 7;
  const lang = app.dataset.lang || "th";
  const $ = (id) => document.getElementById(id);
  const form = $("visit-form");
  const ADL_ITEMS = Array.from(form.querySelectorAll("[data-adl-item]")).map((f) => f.dataset.adlItem);
  const VITALS = ["systolic", "diastolic", "pulse", "temperature", "spo2", "glucose", "weight", "height"];

  let db = null; // the open IndexedDB connection
  let here = null; // {lat, lon} of the phone, once asked for
  let byDistance = false; // the list is sorted nearest first
  let editing = null; // the outbox entry being fixed or the correction being made, if any
  let syncing = false;
  let csrf = app.dataset.csrf || "";

  // ----- texts ------------------------------------------------------------------------------

  // A text from the page (data-t-NAME), with {name} placeholders filled in.
  function t(name, vars) {
    let text = app.getAttribute("data-t-" + name) || "";
    for (const k in vars || {}) text = text.split("{" + k + "}").join(String(vars[k]));
    return text;
  }

  function say(id, text) {
    const el = $(id);
    if (el) el.textContent = text;
  }

  // ----- ids --------------------------------------------------------------------------------

  // A random UUID; crypto.randomUUID only exists on secure pages, so build one otherwise.
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // ----- IndexedDB --------------------------------------------------------------------------

  function openDb() {
    return new Promise((ok, fail) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        // Create only what is missing: an upgrade from version 1 keeps its list and outbox.
        const have = req.result.objectStoreNames;
        if (!have.contains("persons")) req.result.createObjectStore("persons", { keyPath: "person_id" });
        if (!have.contains("outbox")) req.result.createObjectStore("outbox", { keyPath: "client_id" });
        if (!have.contains("sent")) req.result.createObjectStore("sent", { keyPath: "client_id" });
        if (!have.contains("stations")) req.result.createObjectStore("stations", { keyPath: "id" });
      };
      req.onsuccess = () => {
        // Another tab deleting the database (signing out) must not wait for this one.
        req.result.onversionchange = () => req.result.close();
        ok(req.result);
      };
      req.onerror = () => fail(req.error);
    });
  }

  // Run `work(store)` in one transaction; resolves with the last request's result once committed.
  function inStore(name, mode, work) {
    return new Promise((ok, fail) => {
      const tx = db.transaction(name, mode);
      let result;
      const req = work(tx.objectStore(name));
      if (req) req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => ok(result);
      tx.onerror = () => fail(tx.error);
      tx.onabort = () => fail(tx.error);
    });
  }

  const allOf = (name) => inStore(name, "readonly", (s) => s.getAll());
  const putEntry = (entry) => inStore("outbox", "readwrite", (s) => s.put(entry));
  const dropEntry = (id) => inStore("outbox", "readwrite", (s) => s.delete(id));
  const getEntry = (name, key) => inStore(name, "readonly", (s) => s.get(key));

  // Write to several stores in one transaction, so that a visit is never in neither list:
  // {outbox: {put: entry} or {drop: client_id}, sent: {put: record}}.
  function writeStores(changes) {
    return new Promise((ok, fail) => {
      const tx = db.transaction(Object.keys(changes), "readwrite");
      for (const [name, change] of Object.entries(changes)) {
        if (change.put) tx.objectStore(name).put(change.put);
        if (change.drop) tx.objectStore(name).delete(change.drop);
      }
      tx.oncomplete = () => ok();
      tx.onerror = () => fail(tx.error);
      tx.onabort = () => fail(tx.error);
    });
  }

  // Forget sent visits older than a week: they are kept only to correct recent ones.
  function pruneSent() {
    const limit = new Date(Date.now() - KEEP_SENT_DAYS * 86400000).toISOString();
    return inStore("sent", "readwrite", (s) => {
      const req = s.openCursor();
      req.onsuccess = () => {
        const cursor = req.result;
        if (!cursor) return;
        if (!(cursor.value.sent_at >= limit)) cursor.delete();
        cursor.continue();
      };
    });
  }

  // ----- talking to the server --------------------------------------------------------------

  // A same-origin request with the session cookie; POSTs carry the CSRF token. The server's
  // messages come in the page's language. Throws only when the network is unreachable.
  function call(method, url, body) {
    const headers = { Accept: "application/json", "Accept-Language": lang };
    const init = { method, credentials: "same-origin", headers };
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init);
  }

  // A page opened offline carries the token of when it was kept; fetch the current one.
  async function freshCsrf() {
    const res = await fetch("/field", { credentials: "same-origin", cache: "no-store" });
    if (!res.ok || res.redirected) return false;
    const page = new DOMParser().parseFromString(await res.text(), "text/html");
    const root = page.getElementById("field-app");
    if (!root || !root.dataset.csrf) return false;
    csrf = root.dataset.csrf;
    return true;
  }

  // POST, renewing the CSRF token once when the server refuses it.
  async function post(url, body) {
    let res = await call("POST", url, body);
    if (res.status === 403 && (await freshCsrf())) res = await call("POST", url, body);
    return res;
  }

  async function errorsOf(res) {
    try {
      const body = await res.json();
      return Array.isArray(body.errors) ? body.errors : [];
    } catch (_) {
      return [];
    }
  }

  function signInAgain(show) {
    $("sign-in-again").hidden = !show;
  }

  // ----- the "my visits" list ---------------------------------------------------------------

  // Today on the Thai calendar ("YYYY-MM-DD"), as the server counts due days.
  const thaiDay = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Bangkok" });

  // Whole days from today to a "YYYY-MM-DD" day (negative: past).
  function daysUntil(day) {
    const utc = (s) => { const [y, m, d] = s.split("-").map(Number); return Date.UTC(y, m - 1, d); };
    return Math.round((utc(day) - utc(thaiDay.format(new Date()))) / 86400000);
  }

  // Metres between two points on the earth (haversine).
  function metres(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad;
    const dLon = (b.lon - a.lon) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371000 * Math.asin(Math.sqrt(h));
  }

  function distanceOf(p) {
    if (here && p.lat != null && p.lon != null) return metres(here, p);
    return p.distance_m != null ? p.distance_m : null;
  }

  // Dates as the server shows them: on Thai time (Buddhist era in Thai).
  const dateFormat = new Intl.DateTimeFormat(lang === "th" ? "th-TH" : "en-GB", { dateStyle: "medium", timeZone: "Asia/Bangkok" });
  const timeFormat = new Intl.DateTimeFormat(lang === "th" ? "th-TH" : "en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Bangkok" });

  function dueText(p) {
    const days = daysUntil(p.due);
    if (days < 0) return t("overdue", { days: -days });
    if (days === 0) return t("due");
    return t("in", { days });
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  async function renderPersons() {
    const list = $("persons");
    let persons = db ? await allOf("persons") : [];
    if (byDistance) {
      persons.sort((a, b) => (distanceOf(a) ?? Infinity) - (distanceOf(b) ?? Infinity));
    } else {
      persons.sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : a.name.localeCompare(b.name, "th")));
    }
    list.replaceChildren();
    if (persons.length === 0) {
      list.append(el("li", "muted", t("empty")));
      return;
    }
    for (const p of persons) {
      const li = el("li");
      li.dataset.testid = "person";
      li.dataset.personId = p.person_id;
      li.append(el("strong", "", p.name));
      const where = [];
      if (p.house_number) where.push(t("house", { house: p.house_number }));
      if (p.age != null) where.push(t("age", { age: p.age }));
      const line = el("div", "muted", where.join(" · ") + " ");
      line.append(el("span", "code", p.village_code));
      li.append(line);
      const tags = el("ul", "chips");
      if (p.adl_group) tags.append(el("li", "", t("adl-" + p.adl_group)));
      if (p.assigned) tags.append(el("li", "", t("assigned")));
      tags.append(el("li", daysUntil(p.due) < 0 ? "overdue" : "", dueText(p)));
      const m = distanceOf(p);
      if (m != null) tags.append(el("li", "", t("distance", { km: (m / 1000).toFixed(1) })));
      else if (byDistance) tags.append(el("li", "", t("no-home-location")));
      li.append(tags);
      const last = p.last_visit ? t("last") + ": " + dateFormat.format(new Date(p.last_visit)) : t("never");
      li.append(el("div", "hint", last));
      const open = el("button", "", t("record"));
      open.type = "button";
      open.setAttribute("aria-label", t("record") + ": " + p.name);
      open.addEventListener("click", () => openForm(p, null));
      li.append(open);
      list.append(li);
    }
  }

  // The items of a list from the API, or null when there is none to be had (offline, signed
  // out, a server problem), said in `status` with the texts `stored` and `failed`.
  async function fetchItems(url, status, stored, failed) {
    if (!navigator.onLine) {
      say(status, t(stored));
      return null;
    }
    let res;
    try {
      res = await call("GET", url);
    } catch (_) {
      say(status, t(failed));
      return null;
    }
    if (res.status === 401) {
      signInAgain(true);
      say(status, t(stored));
      return null;
    }
    if (!res.ok) {
      say(status, t(failed));
      return null;
    }
    try {
      return (await res.json()).items || [];
    } catch (_) {
      say(status, t(failed));
      return null;
    }
  }

  // Replace what a store keeps with a new list.
  function keepAll(name, items) {
    return inStore(name, "readwrite", (s) => {
      s.clear();
      for (const item of items) s.put(item);
    });
  }

  // Replace the kept list with the server's (only the caller's own list: what my-visits gives).
  async function refreshPersons() {
    if (!db) return;
    let url = "/api/v1/care/my-visits";
    if (here) url += "?lat=" + here.lat.toFixed(6) + "&lon=" + here.lon.toFixed(6);
    const items = await fetchItems(url, "list-status", "list-stored", "list-failed");
    if (!items) return;
    await keepAll("persons", items);
    say("list-status", t("list-updated"));
    await renderPersons();
  }

  // Ask the phone where it is (null when it cannot tell).
  function locate() {
    return new Promise((ok) => {
      if (!("geolocation" in navigator)) return ok(null);
      navigator.geolocation.getCurrentPosition(
        (pos) => ok({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
        () => ok(null),
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // ----- watch stations ---------------------------------------------------------------------

  const stationList = $("stations"); // absent when the caller enters no readings anywhere

  // Replace the kept stations with those whose readings the caller may enter.
  async function refreshStations() {
    if (!db || !stationList) return;
    const items = await fetchItems("/api/v1/stations", "stations-status", "stations-stored", "stations-failed");
    if (!items) return;
    await keepAll("stations", items.filter((s) => s.may_record));
    say("stations-status", "");
    await renderStations();
  }

  function refreshLists() {
    return Promise.all([refreshPersons(), refreshStations()]).catch(() => {});
  }

  const withUnit = (value, unit) => value + " " + unit;
  const LEVELS = ["watch", "warning", "danger"];

  function stationForm(id) {
    return stationList ? stationList.querySelector(`form[data-station-id="${Number(id)}"]`) : null;
  }

  async function renderStations() {
    if (!stationList) return;
    const stations = db ? await allOf("stations") : [];
    stations.sort((a, b) => a.name.localeCompare(b.name, "th"));
    $("stations-wrap").hidden = stations.length === 0;
    // A form being filled in stays as it is (its values, the reading being fixed, the focus).
    const forms = new Map(Array.from(stationList.querySelectorAll("form"), (f) => [f.dataset.stationId, f]));
    const focused = stationList.contains(document.activeElement) ? document.activeElement : null;
    stationList.replaceChildren();
    for (const s of stations) {
      const li = el("li", s.level ? "alert-" + s.level : "");
      li.dataset.testid = "station";
      li.dataset.stationId = s.id;
      li.append(el("strong", "", s.name));
      const line = el("div", "muted", t("kind-" + s.kind) + " ");
      line.append(el("span", "code", s.village_code));
      li.append(line);
      const latest = el("div", "hint", t("reading-none"));
      latest.dataset.testid = "station-latest";
      if (s.latest_value != null) {
        latest.textContent = t("reading-latest") + " " + withUnit(s.latest_value, s.unit)
          + " · " + timeFormat.format(new Date(s.latest_at)) + (s.level ? " · " + t("level-" + s.level) : "");
      }
      li.append(latest);
      const levels = LEVELS.filter((l) => s[l] != null).map((l) => t("level-" + l) + " " + withUnit(s[l], s.unit));
      if (levels.length) li.append(el("div", "hint", t("thresholds") + ": " + levels.join(" · ")));
      const form = forms.get(String(s.id)) || readingForm(s);
      form.station = s;
      li.append(form);
      stationList.append(li);
    }
    if (focused && stationList.contains(focused)) focused.focus();
  }

  // A station's reading form: the value in its unit, and when it was read (now, unless set).
  function readingForm(s) {
    const f = el("form", "reading");
    f.noValidate = true;
    f.dataset.stationId = s.id;
    const error = el("p", "form-error");
    error.id = "reading-" + s.id + "-error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    f.append(error);
    const field = (name, label, input) => {
      input.id = "reading-" + s.id + "-" + name;
      input.name = name;
      const l = el("label", "", label);
      l.htmlFor = input.id;
      const p = el("p", "field-error");
      p.id = input.id + "-error";
      p.hidden = true;
      f.append(l, input, p);
    };
    const value = el("input");
    value.setAttribute("inputmode", "decimal");
    value.autocomplete = "off";
    field("value", t("reading-value", { unit: s.unit }), value);
    const time = el("input");
    time.type = "datetime-local";
    field("observed_at", t("reading-time"), time);
    const save = el("button", "", t("reading-save"));
    save.type = "submit";
    save.setAttribute("aria-label", t("reading-save") + ": " + s.name);
    f.append(save);
    resetReading(f);
    // "Now" follows the clock until the time is changed by hand.
    time.addEventListener("input", () => { delete f.dataset.now; });
    value.addEventListener("focus", () => { if (f.dataset.now) time.value = localValue(new Date()); });
    f.addEventListener("submit", (event) => saveReading(event, f));
    return f;
  }

  function resetReading(f) {
    f.reset();
    showReadingErrors(f, []);
    f.dataset.now = "1";
    delete f.dataset.editing;
    delete f.dataset.original;
    f.elements.observed_at.value = localValue(new Date());
  }

  function showReadingErrors(f, errors) {
    for (const p of f.querySelectorAll(".field-error, .form-error")) {
      p.hidden = true;
      p.textContent = "";
    }
    for (const e of f.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    let first = null;
    for (const e of firstPerField(errors)) {
      const input = f.elements[e.field];
      const p = input ? $(input.id + "-error") : f.querySelector(".form-error");
      p.textContent = e.message;
      p.hidden = false;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", p.id);
        first = first || input;
      }
    }
    if (first) first.focus();
  }

  // Fix a refused reading in its station's form; saving it again keeps its op_id.
  function openReadingFix(f, e) {
    resetReading(f);
    delete f.dataset.now;
    f.dataset.editing = e.client_id;
    f.dataset.original = e.reading.observed_at;
    f.elements.value.value = e.reading.value;
    f.elements.observed_at.value = localValue(new Date(e.reading.observed_at));
    f.scrollIntoView();
    showReadingErrors(f, e.errors.length ? e.errors : [{ field: "value", message: t("rejected") }]);
  }

  async function saveReading(event, f) {
    event.preventDefault();
    // A double tap saves one reading: a tap while the first is being kept is ignored.
    if (!db || f.dataset.saving) return;
    f.dataset.saving = "1";
    try {
      await keepReading(f);
    } finally {
      delete f.dataset.saving;
    }
  }

  async function keepReading(f) {
    const s = f.station;
    const value = f.elements.value.value.trim();
    const time = f.elements.observed_at.value;
    const errors = [];
    if (!value) errors.push({ field: "value", message: t("required") });
    if (!time && !f.dataset.now) errors.push({ field: "observed_at", message: t("required") });
    if (errors.length) return showReadingErrors(f, errors);
    // Left at "now": the moment of saving. A fixed reading keeps its time unless it was changed.
    let observed;
    if (f.dataset.now) observed = new Date().toISOString();
    else if (f.dataset.original && time === localValue(new Date(f.dataset.original))) observed = f.dataset.original;
    else observed = new Date(time).toISOString();
    // A new reading gets its id now; a fixed one keeps it (the server wrote nothing of it).
    const id = f.dataset.editing || uuid();
    const before = f.dataset.editing ? await getEntry("outbox", id) : null;
    await putEntry({
      client_id: id,
      saved_at: before ? before.saved_at : new Date().toISOString(),
      station_id: s.id,
      station_name: s.name,
      unit: s.unit,
      reading: { op_id: id, value, observed_at: observed },
      errors: null,
    });
    resetReading(f);
    say("sync-status", t("saved"));
    say("stations-status", t("saved"));
    await renderOutbox();
    if (navigator.onLine) sync();
  }

  // A reading in the outbox: waiting, or refused with the server's errors, to fix or discard.
  function readingEntry(e) {
    const li = el("li");
    li.dataset.testid = "outbox-entry";
    li.dataset.reading = e.client_id;
    li.append(el("strong", "", e.station_name), " ", el("span", "badge", t("reading")));
    li.append(el("div", "muted", withUnit(e.reading.value, e.unit) + " · " + timeFormat.format(new Date(e.reading.observed_at))));
    if (!e.errors) {
      li.append(el("span", "badge", t("waiting")));
      return li;
    }
    li.append(el("p", "field-error", t("rejected")));
    const errs = el("ul", "");
    errs.dataset.testid = "reading-errors";
    for (const x of firstPerField(e.errors)) {
      const label = { value: t("reading-value", { unit: e.unit }), observed_at: t("reading-time") }[x.field];
      errs.append(el("li", "field-error", (label ? label + ": " : "") + x.message));
    }
    li.append(errs);
    const form = e.gone ? null : stationForm(e.station_id);
    if (form) {
      const fix = el("button", "", t("fix"));
      fix.type = "button";
      fix.setAttribute("aria-label", t("fix") + ": " + e.station_name);
      fix.addEventListener("click", () => openReadingFix(form, e));
      li.append(fix, " ");
    }
    const discard = el("button", "secondary", t("discard"));
    discard.type = "button";
    discard.setAttribute("aria-label", t("discard") + ": " + e.station_name);
    discard.addEventListener("click", async () => {
      if (!window.confirm(t("reading-discard-confirm"))) return;
      await dropEntry(e.client_id);
      if (form && form.dataset.editing === e.client_id) resetReading(form);
      await renderOutbox();
    });
    li.append(discard);
    return li;
  }

  // Send one reading. 201 (applied) and 200 (applied before: a resend) both mean done.
  async function sendReading(e) {
    const res = await post("/api/v1/stations/" + encodeURIComponent(e.station_id) + "/readings", e.reading);
    if (res.status === 401) return "auth";
    if (res.status === 422 || res.status === 404) {
      // 404: the station is no longer one the caller enters readings for.
      e.gone = res.status === 404;
      e.errors = e.gone ? [{ field: "", message: t("reading-not-found") }] : await errorsOf(res);
      await putEntry(e);
      return "refused";
    }
    if (!res.ok) return "later";
    await dropEntry(e.client_id);
    return "done";
  }

  // ----- the visit form ---------------------------------------------------------------------

  // A datetime-local value ("2026-11-23T09:30") in the phone's time for a moment.
  function localValue(date) {
    const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  }

  // The first error of each field (one slip can cause several; the first says most).
  function firstPerField(errors) {
    const seen = new Set();
    return errors.filter((e) => !seen.has(e.field) && seen.add(e.field));
  }

  function clearErrors() {
    for (const p of form.querySelectorAll(".field-error")) {
      p.hidden = true;
      p.textContent = "";
    }
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    $("form-error").hidden = true;
  }

  // Show each error next to its field (a message for an unknown field goes above the form).
  function showErrors(errors) {
    clearErrors();
    let first = null;
    for (const e of firstPerField(errors)) {
      const p = $(e.field + "-error");
      if (!p) {
        $("form-error").textContent = e.message;
        $("form-error").hidden = false;
        continue;
      }
      p.textContent = e.message;
      p.hidden = false;
      const input = $(e.field);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", p.id);
        first = first || input;
      }
    }
    if (first) (first.matches("fieldset") ? first.querySelector("input") : first).focus();
  }

  function adlSkipped() {
    return $("adl_skip").checked;
  }

  function showAdl() {
    $("adl-items").hidden = adlSkipped();
    const chosen = ADL_ITEMS.map((name) => form.querySelector(`input[name="${name}"]:checked`));
    const total = chosen.every(Boolean) ? chosen.reduce((s, i) => s + Number(i.value), 0) : null;
    say("adl-total", !adlSkipped() && total !== null ? t("adl-total") + ": " + total + "/20" : "");
  }

  // Open the form for a person (a new visit), or for an outbox entry to fix, or for a
  // correction of a sent visit (an entry marked `correction`, see openCorrection).
  function openForm(person, entry) {
    form.reset();
    clearErrors();
    editing = entry;
    const correcting = Boolean(entry && entry.correction);
    say("visit-kind", correcting ? t("correct-title") : t("record"));
    const v = entry ? entry.visit : null;
    $("person_id").value = entry ? v.person_id : person.person_id;
    say("visit-person", entry ? entry.person_name : person.name);
    $("visit").dataset.personName = entry ? entry.person_name : person.name;
    $("visited_at").value = localValue(v ? new Date(v.visited_at) : new Date());
    $("lat").value = v ? v.lat : "";
    $("lon").value = v ? v.lon : "";
    say("locate-status", v && v.lat ? t("located") : "");
    if (v) {
      for (const k of VITALS) $(k).value = v.vitals[k] || "";
      $("adl_skip").checked = v.adl === null;
      for (const name of ADL_ITEMS) {
        const score = v.adl ? v.adl[name] : null;
        const radio = score != null && form.querySelector(`input[name="${name}"][value="${score}"]`);
        if (radio) radio.checked = true;
      }
      for (const box of form.querySelectorAll('input[name="needs"]')) box.checked = v.needs.includes(box.value);
      $("needs_note").value = v.needs_note;
      $("notes").value = v.notes;
    }
    // A correction changes the record only: its photos went with the visit.
    $("photo-field").hidden = correcting;
    // Photos still to send stay with the entry; a refused one is dropped when saved again.
    const kept = entry ? entry.photos.filter((p) => !p.refused).length : 0;
    $("photo-kept").hidden = kept === 0;
    say("photo-kept", kept ? t("photos", { n: kept }) : "");
    // A visit the server already has: only its photos can still change here.
    lockVisitFields(Boolean(entry && entry.visit_done));
    showAdl();
    $("visit").hidden = false;
    if (entry && entry.errors) showErrors(entry.errors);
    $("visit-title").focus();
  }

  function closeForm() {
    form.reset();
    clearErrors();
    editing = null;
    $("visit").hidden = true;
    $("photo-field").hidden = false;
    lockVisitFields(false);
  }

  // Correct a visit this phone sent: the form filled with the values as sent. Saving queues an
  // edit made against the version the phone knows (the entry's `base_version`).
  function openCorrection(s) {
    openForm(null, {
      client_id: s.client_id, correction: true, base_version: s.version, visit: s.visit,
      person_name: s.person_name, photos: [], visit_done: false, errors: null,
    });
  }

  // Disable every field of the form but the photo input and the buttons.
  function lockVisitFields(lock) {
    for (const input of form.elements) {
      if (input.id !== "photo" && input.tagName !== "BUTTON" && input.tagName !== "FIELDSET") input.disabled = lock;
    }
  }

  // What the form holds, checked for what the phone can check (the server checks the rest).
  function readForm() {
    const errors = [];
    const required = (field) => errors.push({ field, message: t("required") });
    const value = (id) => $(id).value.trim();
    if (!value("person_id")) required("person_id");
    if (!value("visited_at")) required("visited_at");
    let adl = null;
    if (!adlSkipped()) {
      adl = {};
      for (const name of ADL_ITEMS) {
        const radio = form.querySelector(`input[name="${name}"]:checked`);
        if (radio) adl[name] = radio.value;
        else required(name);
      }
    }
    const vitals = {};
    for (const k of VITALS) vitals[k] = value(k);
    const visit = {
      person_id: Number(value("person_id")),
      base_version: null,
      visited_at: value("visited_at") ? new Date(value("visited_at")).toISOString() : "",
      lat: value("lat"),
      lon: value("lon"),
      vitals,
      adl,
      needs: Array.from(form.querySelectorAll('input[name="needs"]:checked'), (b) => b.value),
      needs_note: value("needs_note"),
      notes: $("notes").value.trim(),
    };
    return { visit, errors };
  }

  async function save(event) {
    event.preventDefault();
    if (!db) return;
    const photos = Array.from($("photo").files, (file) => ({
      photo_id: uuid(), blob: file, name: file.name || "photo.jpg", sent: false,
    }));
    let entry;
    if (editing && editing.visit_done) {
      // Only new photos for a visit the server already has.
      entry = editing;
    } else {
      const { visit, errors } = readForm();
      if (errors.length) {
        showErrors(errors);
        return;
      }
      // A new visit: one id for the visit and for this change. A fixed one keeps its ids (the
      // server kept nothing of a refused visit, so the same ids are still free). A correction
      // is a new change of the same visit: a new op_id, made against the version known here.
      const id = editing ? editing.client_id : uuid();
      if (editing && editing.correction) {
        visit.op_id = uuid();
        visit.base_version = editing.base_version;
      } else {
        visit.op_id = editing ? editing.visit.op_id : id;
      }
      visit.client_id = id;
      entry = editing || { client_id: id, photos: [], visit_done: false };
      entry.saved_at = entry.saved_at || new Date().toISOString();
      entry.visit = visit;
      entry.person_name = $("visit").dataset.personName || "";
    }
    entry.photos = entry.photos.filter((p) => !p.refused).concat(photos);
    entry.errors = null;
    await putEntry(entry);
    closeForm();
    say("sync-status", t("saved"));
    await renderOutbox();
    $("outbox-title").scrollIntoView();
    if (navigator.onLine) sync();
  }

  // ----- the outbox -------------------------------------------------------------------------

  // The label of a field, for errors listed under an outbox entry.
  function labelOf(field) {
    const label = form.querySelector(`label[for="${field}"]`);
    if (label) return label.textContent.trim();
    const set = $(field);
    const legend = set && set.querySelector("legend");
    return legend ? legend.textContent.trim() : "";
  }

  async function renderOutbox() {
    const entries = db ? await allOf("outbox") : [];
    entries.sort((a, b) => (a.saved_at < b.saved_at ? -1 : 1));
    say("outbox-count", String(entries.length));
    $("send-now-wrap").hidden = entries.length === 0;
    const list = $("outbox");
    list.replaceChildren();
    for (const e of entries) {
      if (e.reading) {
        list.append(readingEntry(e));
        continue;
      }
      const li = el("li");
      li.dataset.testid = "outbox-entry";
      li.append(el("strong", "", e.person_name));
      if (e.correction) li.append(" ", el("span", "badge", t("correction")));
      li.append(el("div", "muted", dateFormat.format(new Date(e.visit.visited_at))
        + (e.photos.length ? " · " + t("photos", { n: e.photos.length }) : "")));
      if (e.errors) {
        li.append(el("p", "field-error", t("rejected")));
        const errs = el("ul", "");
        for (const x of firstPerField(e.errors)) {
          const label = labelOf(x.field);
          errs.append(el("li", "field-error", (label ? label + ": " : "") + x.message));
        }
        li.append(errs);
        const fix = el("button", "", t("fix"));
        fix.type = "button";
        fix.setAttribute("aria-label", t("fix") + ": " + e.person_name);
        fix.addEventListener("click", () => openForm(null, e));
        const discard = el("button", "secondary", t("discard"));
        discard.type = "button";
        discard.setAttribute("aria-label", t("discard") + ": " + e.person_name);
        discard.addEventListener("click", async () => {
          if (!window.confirm(t("discard-confirm"))) return;
          await dropEntry(e.client_id);
          await renderOutbox();
        });
        li.append(fix, " ", discard);
      } else {
        li.append(el("span", "badge", t("waiting")));
      }
      list.append(li);
    }
    await renderSent(entries);
    return entries;
  }

  // "Sent recently": the visits this phone sent, newest first, each to correct, unless a
  // change of it still waits in the outbox (`waiting`) or a correction was kept for review.
  async function renderSent(waiting) {
    const sent = db ? await allOf("sent") : [];
    sent.sort((a, b) => (a.sent_at < b.sent_at ? 1 : -1));
    const pending = new Map(waiting.map((e) => [e.client_id, e]));
    $("sent-wrap").hidden = sent.length === 0;
    const list = $("sent");
    list.replaceChildren();
    for (const s of sent) {
      const li = el("li");
      li.dataset.testid = "sent-entry";
      li.dataset.clientId = s.client_id;
      li.append(el("strong", "", s.person_name));
      li.append(el("div", "muted", timeFormat.format(new Date(s.visit.visited_at))
        + " · " + t("version", { version: s.version })));
      li.append(el("div", "hint", t("sent-at", { time: timeFormat.format(new Date(s.sent_at)) })));
      if (s.conflict) {
        // Not written on the server: say so plainly, and leave the rest to the coordinator.
        const p = el("p", "field-error", t("conflict"));
        p.dataset.testid = "sent-conflict";
        li.append(p);
      } else if (pending.has(s.client_id)) {
        li.append(el("span", "badge", pending.get(s.client_id).correction ? t("correction-waiting") : t("waiting")));
      } else {
        const fix = el("button", "", t("correct"));
        fix.type = "button";
        fix.setAttribute("aria-label", t("correct") + ": " + s.person_name);
        fix.addEventListener("click", () => openCorrection(s));
        li.append(fix);
      }
      list.append(li);
    }
  }

  // What "sent" keeps of a change the server took: the payload as sent and its version.
  function sentRecord(e, visitId, version) {
    return {
      client_id: e.client_id, person_id: e.visit.person_id, person_name: e.person_name,
      visit: e.visit, visit_id: visitId, version, sent_at: new Date().toISOString(), conflict: null,
    };
  }

  // The version this change made. "applied" names it; a retry ("duplicate") is answered with
  // the visit's version now, which may already include someone else's later edit, so count
  // from our own base instead: a later correction from here is then checked against it.
  function versionMade(e, result) {
    if (result.status === "applied" && result.version) return result.version;
    return e.visit.base_version == null ? 1 : e.visit.base_version + 1;
  }

  // A correction the server answered. Applied (now or before): "sent" takes the new values and
  // version. A conflict: nothing was written on the server, the edit waits for a coordinator;
  // "sent" keeps what it had, marked, and the outbox lets the entry go.
  async function finishCorrection(e, result) {
    if (result.status === "conflict") {
      const kept = (await getEntry("sent", e.client_id)) || sentRecord(e, result.visit_id, e.visit.base_version);
      kept.conflict = { conflict_id: result.conflict_id, op_id: e.visit.op_id, at: new Date().toISOString() };
      await writeStores({ outbox: { drop: e.client_id }, sent: { put: kept } });
      return "conflict";
    }
    await writeStores({ outbox: { drop: e.client_id }, sent: { put: sentRecord(e, result.visit_id, versionMade(e, result)) } });
    return "done";
  }

  // Send one entry: its visit, then its photos. Answers "done", "conflict" (a correction kept
  // for review), "refused" (kept, marked with the server's errors), "offline", "auth" or "later".
  async function sendEntry(e) {
    if (e.reading) return sendReading(e);
    if (!e.visit_done) {
      const res = await post("/api/v1/sync/visits", { visits: [e.visit] });
      if (res.status === 401) return "auth";
      if (res.status === 422) {
        e.errors = await errorsOf(res);
        await putEntry(e);
        return "refused";
      }
      if (!res.ok) return "later";
      const result = ((await res.json()).results || [])[0] || {};
      if (["invalid", "not_found", "forbidden"].includes(result.status)) {
        e.errors = result.errors && result.errors.length
          ? result.errors
          : [{ field: "person_id", message: t("not-found") }];
        await putEntry(e);
        return "refused";
      }
      if (!["applied", "duplicate", "conflict"].includes(result.status)) return "later";
      if (e.correction) return finishCorrection(e, result);
      // A new visit ("duplicate": it had landed before, a lost answer). It goes to "sent" now,
      // and stays in the outbox until its photos are sent too.
      e.visit_done = true;
      e.visit_id = result.visit_id;
      await writeStores({ outbox: { put: e }, sent: { put: sentRecord(e, result.visit_id, versionMade(e, result)) } });
    }
    for (const p of e.photos) {
      if (p.sent || p.refused) continue;
      const data = new FormData();
      data.append("photo_id", p.photo_id);
      data.append("photo", p.blob, p.name);
      const res = await post("/api/v1/sync/visits/" + encodeURIComponent(e.client_id) + "/photos", data);
      if (res.status === 401) return "auth";
      if (res.status === 422 || res.status === 413 || res.status === 404) {
        const errors = await errorsOf(res);
        e.errors = errors.length ? errors.map((x) => ({ field: "photo", message: x.message }))
          : [{ field: "photo", message: t("server-error") }];
        p.refused = true;
        await putEntry(e);
        return "refused";
      }
      if (!res.ok) return "later";
      p.sent = true;
      await putEntry(e);
    }
    await dropEntry(e.client_id);
    return "done";
  }

  // Send everything waiting (entries refused by the server wait for their fix).
  async function sync() {
    if (syncing || !db) return;
    syncing = true;
    try {
      const waiting = (await allOf("outbox")).filter((e) => !e.errors);
      waiting.sort((a, b) => (a.saved_at < b.saved_at ? -1 : 1));
      let stopped = null;
      let refused = 0;
      let conflicts = 0;
      for (let i = 0; i < waiting.length && !stopped; i++) {
        say("sync-status", t("sending", { n: i + 1, total: waiting.length }));
        let outcome;
        try {
          outcome = await sendEntry(waiting[i]);
        } catch (_) {
          outcome = "offline"; // the network went away: keep everything, try again later
        }
        if (outcome === "offline" || outcome === "later" || outcome === "auth") stopped = outcome;
        if (outcome === "refused") refused += 1;
        if (outcome === "conflict") conflicts += 1;
        await renderOutbox();
      }
      signInAgain(stopped === "auth");
      // Corrections kept for review are announced whatever else happened.
      const review = conflicts ? " " + t("conflict-status", { n: conflicts }) : "";
      if (stopped === "later") say("sync-status", t("server-error") + review);
      else if (stopped) say("sync-status", t("send-later") + review);
      else if (refused) say("sync-status", t("rejected") + review);
      else if (conflicts) say("sync-status", review.trim());
      else if (waiting.length) say("sync-status", t("sent"));
      if (waiting.length && !stopped) await refreshLists(); // last visits and readings have changed
    } finally {
      syncing = false;
      await renderOutbox();
    }
  }

  // ----- online and offline -----------------------------------------------------------------

  function showNet() {
    say("net-status", navigator.onLine ? t("online") : t("offline"));
  }

  window.addEventListener("online", () => {
    showNet();
    refreshLists().then(sync);
  });
  window.addEventListener("offline", showNet);
  // While something waits, try again every minute (a flaky signal may not fire "online").
  setInterval(() => {
    if (navigator.onLine && Number($("outbox-count").textContent) > 0) sync();
  }, 60000);

  // ----- signing out clears the phone -------------------------------------------------------

  async function outboxSize() {
    return db ? (await allOf("outbox")).length : 0;
  }

  for (const logout of document.querySelectorAll('form[action="/logout"]')) {
    logout.addEventListener("submit", async (event) => {
      event.preventDefault();
      const unsent = await outboxSize();
      if (unsent > 0 && !window.confirm(t("logout-unsent", { n: unsent }))) return;
      if (db) db.close();
      db = null;
      await new Promise((done) => {
        const req = indexedDB.deleteDatabase(DB_NAME);
        req.onsuccess = req.onerror = req.onblocked = () => done();
      });
      logout.submit();
    });
  }

  // ----- start ------------------------------------------------------------------------------

  form.addEventListener("submit", save);
  form.addEventListener("change", (e) => {
    if (e.target.type === "radio" || e.target.id === "adl_skip") showAdl();
  });
  $("cancel-visit").addEventListener("click", closeForm);
  $("send-now").addEventListener("click", () => { refreshLists().then(sync); });

  if ("geolocation" in navigator) {
    // "Use my location" for the visit, and "nearest first" for the list.
    $("locate-wrap").hidden = false;
    $("locate").addEventListener("click", async () => {
      say("locate-status", t("locating"));
      const pos = await locate();
      if (pos) {
        $("lat").value = pos.lat.toFixed(6);
        $("lon").value = pos.lon.toFixed(6);
      }
      say("locate-status", pos ? t("located") : t("locate-failed"));
    });
    $("sort-distance-wrap").hidden = false;
    $("sort-distance").addEventListener("click", async () => {
      say("list-status", t("locating"));
      here = await locate();
      byDistance = here !== null;
      say("list-status", here ? "" : t("locate-failed"));
      await renderPersons();
      if (here) refreshPersons();
    });
  }

  // Installable: the manifest link (base.html's head has no slot for it).
  if (!document.querySelector('link[rel="manifest"]')) {
    const link = document.createElement("link");
    link.rel = "manifest";
    link.href = "/manifest.webmanifest";
    document.head.append(link);
  }
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});

  showNet();
  openDb()
    .then(async (opened) => {
      db = opened;
      await pruneSent();
      await renderPersons();
      await renderStations();
      await renderOutbox();
      await refreshLists();
      await sync();
    })
    .catch(() => {
      say("list-status", t("no-storage"));
      form.querySelector('button[type="submit"]').disabled = true;
      if (stationList) $("stations-wrap").hidden = true;
    });
})();
