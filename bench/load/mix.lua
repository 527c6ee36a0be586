-- ruamjai load test: a weighted mix of what the platform serves on an ordinary working day.
--
--   wrk -t2 -c64 -d30s --timeout 5s -s bench/load/mix.lua http://127.0.0.1:18090 -- MIX LABEL
--
-- MIX is `mix` (the weights below), `nosearch` (the mix without the searches), one request type
-- alone (`public`, `search`, `person`, `sync`), or explicit weights such as
-- `public=40,search=30,person=15,sync=15`.
-- LABEL is written into the result line. The data file named by the environment variable
-- LOAD_DATA (made by bench/load/setup.py) holds the API tokens, person ids, name prefixes and
-- area codes of the database under test.
--
-- Every request must succeed: a sync request carries SYNC_BATCH new visits with unique op ids
-- (run nonce + wrk thread + counter), and its answer is checked visit by visit ("applied").
-- done() prints one `RESULT {json}` line (read by bench/load/report.py) and a readable summary.

local NAMED = {
  mix = "public=40,search=30,person=15,sync=15",
  -- the same without the staff searches: what the rest of the mix reaches once searches are cheap
  nosearch = "public=40,person=15,sync=15",
}
local SYNC_BATCH = 3
-- one visit in ADL_EVERY carries a Barthel ADL assessment (0 = none; LOAD_ADL_EVERY overrides)
local ADL_EVERY = tonumber(os.getenv("LOAD_ADL_EVERY") or "4")

local D = dofile(assert(os.getenv("LOAD_DATA"), "set LOAD_DATA to the data file of setup.py"))

---------------------------------------------------------------------------------------------
-- main state: hand each thread an id and the run's nonce
---------------------------------------------------------------------------------------------
local threads = {}
-- unique per run (runs are seconds apart); LOAD_NONCE overrides
local run_nonce = os.getenv("LOAD_NONCE") or string.format("%x", os.time())

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
  thread:set("nonce", run_nonce)
end

---------------------------------------------------------------------------------------------
-- thread state
---------------------------------------------------------------------------------------------
-- globals, so that done() can read them from each thread with thread:get
tid, nonce, label = 0, "x", "run"
stats = { sync_visits_sent = 0, sync_applied = 0, sync_not_applied = 0, non2xx = 0, s429 = 0, s5xx = 0, s4xx = 0 }
samples = {}
local kinds, cumulative, total_weight = {}, {}, 0
local counter = 0

local function parse_mix(spec)
  if spec == nil or spec == "" then spec = "mix" end
  spec = NAMED[spec] or spec
  if not spec:find("=") then spec = spec .. "=1" end
  for name, w in spec:gmatch("(%a+)=(%d+)") do
    w = tonumber(w)
    if w > 0 then
      total_weight = total_weight + w
      table.insert(kinds, name)
      table.insert(cumulative, total_weight)
    end
  end
  assert(total_weight > 0, "empty mix: " .. spec)
end

function init(args)
  parse_mix(args[1])
  label = args[2] or (args[1] or "mix")
  math.randomseed(os.time() * 1000 + (tid or 0))
  for _ = 1, 10 do math.random() end
end

local function pick(list) return list[math.random(#list)] end

local function bearer(token)
  return { ["Authorization"] = "Bearer " .. token, ["Accept-Language"] = "en" }
end

-- The public dashboard: half the HTML page a citizen opens, half the JSON of the same figures,
-- at any level of the province (province, districts, subdistricts, villages).
local function public_request()
  local area = pick(D.public_areas)
  if math.random(2) == 1 then
    return wrk.format("GET", "/public?area=" .. area, { ["Accept-Language"] = "th" })
  end
  return wrk.format("GET", "/api/v1/public/dashboard?area=" .. area, { ["Accept-Language"] = "th" })
end

-- Staff of the district hospital searching: a Thai name prefix (two or three letters, as typed
-- into the search box), or the list of a village or subdistrict; 20 per page.
local function search_request()
  local s = pick(D.staff)
  if math.random(2) == 1 then
    return wrk.format("GET", "/api/v1/persons?limit=20&q=" .. pick(D.prefixes), bearer(s.token))
  end
  return wrk.format("GET", "/api/v1/persons?limit=20&area=" .. pick(D.search_areas), bearer(s.token))
end

-- Staff opening a person of their district (household, consents, attestations).
local function person_request()
  local s = pick(D.staff)
  return wrk.format("GET", "/api/v1/persons/" .. pick(D.staff_persons), bearer(s.token))
end

local NEEDS = { "food", "medicine", "assistive_device", "caregiver", "transport", "health_care" }
local ADL = { feeding = 2, grooming = 1, transfer = 3, toilet = 2, mobility = 3, dressing = 2,
              stairs = 2, bathing = 1, bowels = 2, bladder = 2 }

local function visit_json(person_id, lat, lon)
  counter = counter + 1
  local id = string.format("lt-%s-%d-%d", nonce, tid, counter)
  -- visited in the last few hours (UTC, RFC 3339)
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - math.random(600, 4 * 3600))
  local vitals = string.format(
    '{"systolic":"%d","diastolic":"%d","pulse":"%d","temperature":"%.1f","spo2":"%d","weight":"%.1f"}',
    math.random(105, 165), math.random(62, 96), math.random(58, 104),
    36 + math.random(0, 15) / 10, math.random(93, 99), 38 + math.random(0, 400) / 10)
  local adl = "null"
  if ADL_EVERY > 0 and math.random(ADL_EVERY) == 1 then -- a Barthel assessment
    local parts = {}
    for item, max in pairs(ADL) do
      table.insert(parts, string.format('"%s":%d', item, math.random(0, max)))
    end
    adl = "{" .. table.concat(parts, ",") .. "}"
  end
  local needs = "[]"
  if math.random(3) == 1 then needs = '["' .. pick(NEEDS) .. '"]' end
  return string.format(
    '{"op_id":"%s","client_id":"%s","person_id":%d,"base_version":null,"visited_at":"%s",' ..
    '"lat":"%s","lon":"%s","vitals":%s,"adl":%s,"needs":%s,"needs_note":"","notes":"%s"}',
    id, id, person_id, at, lat, lon, vitals, adl, needs, "เยี่ยมบ้าน วัดความดัน ให้คำแนะนำ")
end

-- A field volunteer's phone sending its outbox: SYNC_BATCH new visits to persons of their own
-- village.
local function sync_request()
  local op = pick(D.operators)
  local items = {}
  for i = 1, SYNC_BATCH do
    local p = pick(op.persons)
    items[i] = visit_json(p[1], p[2], p[3])
  end
  stats.sync_visits_sent = stats.sync_visits_sent + SYNC_BATCH
  local h = bearer(op.token)
  h["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/sync/visits", h, '{"visits":[' .. table.concat(items, ",") .. "]}")
end

local builders = { public = public_request, search = search_request, person = person_request, sync = sync_request }

function request()
  local r = math.random() * total_weight
  for i, c in ipairs(cumulative) do
    if r < c then return builders[kinds[i]]() end
  end
  return builders[kinds[#kinds]]()
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    stats.non2xx = stats.non2xx + 1
    if status == 429 then stats.s429 = stats.s429 + 1
    elseif status >= 500 then stats.s5xx = stats.s5xx + 1
    else stats.s4xx = stats.s4xx + 1 end
    if #samples < 3 then table.insert(samples, status .. " " .. (body or ""):sub(1, 300)) end
    return
  end
  if body and body:find('"results":[', 1, true) then
    local _, applied = body:gsub('"status":"applied"', "")
    local _, all = body:gsub('"status":"', "")
    stats.sync_applied = stats.sync_applied + applied
    stats.sync_not_applied = stats.sync_not_applied + (all - applied)
    if all ~= applied and #samples < 3 then table.insert(samples, "sync " .. body:sub(1, 300)) end
  end
end

---------------------------------------------------------------------------------------------
-- report
---------------------------------------------------------------------------------------------
function done(summary, latency, requests)
  local agg = {}
  local errs = {}
  local lbl = "run"
  for _, t in ipairs(threads) do
    local s = t:get("stats")
    for k, v in pairs(s) do agg[k] = (agg[k] or 0) + v end
    for _, e in ipairs(t:get("samples")) do table.insert(errs, e) end
    lbl = t:get("label")
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  local ms = function(p) return latency:percentile(p) / 1000 end
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "RESULT {\"label\":\"%s\",\"requests\":%d,\"seconds\":%.2f,\"rps\":%.1f,\"p50_ms\":%.2f,\"p95_ms\":%.2f," ..
    "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"non2xx\":%d,\"s4xx\":%d,\"s429\":%d,\"s5xx\":%d,\"socket_errors\":%d," ..
    "\"timeouts\":%d,\"sync_visits_sent\":%d,\"sync_applied\":%d,\"sync_not_applied\":%d}\n",
    lbl, summary.requests, secs, summary.requests / secs, ms(50), ms(95), ms(99), latency.max / 1000,
    agg.non2xx or 0, agg.s4xx or 0, agg.s429 or 0, agg.s5xx or 0, socket_errors, e.timeout,
    agg.sync_visits_sent or 0, agg.sync_applied or 0, agg.sync_not_applied or 0))
  io.write(string.format("%s: %.0f req/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, non-2xx %d, socket errors %d, visits applied %d of %d answered\n",
    lbl, summary.requests / secs, ms(50), ms(95), ms(99), agg.non2xx or 0, socket_errors,
    agg.sync_applied or 0, (agg.sync_applied or 0) + (agg.sync_not_applied or 0)))
  for _, s in ipairs(errs) do io.write("  sample: " .. s:gsub("\n", " ") .. "\n") end
end
