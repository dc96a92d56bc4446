-- wrk script of bench/intake_http.py: POST /api/v1/cases, one fresh Idempotency-Key per
-- request; with an output directory, every key sent and every Location acknowledged (2xx)
-- is written there, one file per thread.
-- The bodies are read from a file, one JSON body per line (bench/_realistic.py); request k of
-- a thread sends body ((k - 1) mod n) + 1, so that its key ("<prefix>-<thread>-<k>") names it.
-- args: token prefix bodies-file [outdir]
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token, prefix, bodies_file, outdir = args[1], args[2], args[3], args[4]
  counter, ok, bad = 0, 0, 0
  if outdir and outdir ~= "" then
    sent = io.open(outdir .. "/sent-" .. id .. ".txt", "w")
    acked = io.open(outdir .. "/acked-" .. id .. ".txt", "w")
  end
  bodies = {}
  for line in io.lines(bodies_file) do
    if line ~= "" then table.insert(bodies, line) end
  end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local key = prefix .. "-" .. id .. "-" .. counter
  if sent then sent:write(key, "\n"); sent:flush() end
  wrk.headers["Idempotency-Key"] = key
  return wrk.format("POST", "/api/v1/cases", nil, bodies[((counter - 1) % #bodies) + 1])
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if acked then acked:write(headers["location"] or headers["Location"] or "?", "\n"); acked:flush() end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local ok_all, bad_all = 0, 0
  for _, t in ipairs(threads) do
    ok_all = ok_all + t:get("ok")
    bad_all = bad_all + t:get("bad")
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"ok":%d,"bad":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"status_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, ok_all, bad_all, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
