-- wrk script of `npm run bench` (bench/lib/wrk.mjs sets the environment). One request shape per
-- run; BENCH_MODE says how the body varies from request to request:
--   static   the same request every time (BENCH_BODY)
--   counter  BENCH_TEMPLATE with {n} replaced by a per-request unique value (a new key each time)
--   pool     one line of the file BENCH_POOL per request, each used once (pre-minted codes)
--   chain    BENCH_TEMPLATE with {token} replaced by a refresh token: each response's
--            refresh_token feeds the next request (seeded from the lines of BENCH_POOL)
-- Every response's status is counted; done() prints one line "BENCHJSON {...}".

local mode = os.getenv("BENCH_MODE") or "static"
local method = os.getenv("BENCH_METHOD") or "POST"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY") or ""
local template = os.getenv("BENCH_TEMPLATE") or ""
local prefix = os.getenv("BENCH_PREFIX") or "b"
local pool_file = os.getenv("BENCH_POOL")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")

local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end

-- main state: number the threads
local threads = {}
local created = 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
  table.insert(threads, thread)
end

-- thread state
statuses = ""
exhausted = 0
local counts = {}
local n = 0
local items = {}
local next_item = 1
local last_token = nil

local function record(status)
  counts[status] = (counts[status] or 0) + 1
end

function init(args)
  local tid = wrk.thread:get("tid") or 1
  if pool_file then
    local index = 0
    for line in io.lines(pool_file) do
      if line ~= "" then
        if index % nthreads == tid - 1 then table.insert(items, line) end
        index = index + 1
      end
    end
  end
  prefix = prefix .. "t" .. tid .. "-"
end

local function format(b)
  return wrk.format(method, path, headers, b)
end

if mode == "static" then
  local fixed = nil
  request = function()
    if not fixed then fixed = format(body) end
    return fixed
  end
elseif mode == "counter" then
  request = function()
    n = n + 1
    return format((template:gsub("{n}", prefix .. n)))
  end
elseif mode == "pool" then
  request = function()
    local item = items[next_item]
    if item then
      next_item = next_item + 1
    else
      exhausted = exhausted + 1
      item = items[#items] or ""
    end
    return format(item)
  end
elseif mode == "chain" then
  -- wrk calls request() once before it opens its connections and never sends that request
  -- (seen with wrk 4.1: one call more than connections before the first response), so the first
  -- call must not take a token from a chain.
  local calls = 0
  request = function()
    calls = calls + 1
    if calls == 1 then return format((template:gsub("{token}", "unused"))) end
    local token = table.remove(items)
    if token then last_token = token else token = last_token or "none"; exhausted = exhausted + 1 end
    return format((template:gsub("{token}", token)))
  end
end

function response(status, _headers, response_body)
  record(status)
  if mode == "chain" and status == 200 then
    local token = response_body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then table.insert(items, token) end
  end
  local parts = {}
  for code, count in pairs(counts) do table.insert(parts, code .. ":" .. count) end
  statuses = table.concat(parts, ",")
end

function done(summary, latency, _requests)
  local merged = {}
  local exhausted_total = 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses") or ""
    for code, count in s:gmatch("(%d+):(%d+)") do
      merged[code] = (merged[code] or 0) + tonumber(count)
    end
    exhausted_total = exhausted_total + (thread:get("exhausted") or 0)
  end
  local status_parts = {}
  for code, count in pairs(merged) do table.insert(status_parts, string.format('"%s":%d', code, count)) end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d},"statuses":{%s},"exhausted":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(status_parts, ","), exhausted_total))
end
