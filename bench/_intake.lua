-- wrk script of bench/intake_http.py: POST /api/v1/cases, one fresh Idempotency-Key per
-- request; with an output directory, every key sent and every Location acknowledged (2xx)
-- is written there, one file per thread.
-- args: token prefix lon lat [outdir]
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token, prefix, lon, lat, outdir = args[1], args[2], args[3], args[4], args[5]
  counter, ok, bad = 0, 0, 0
  if outdir and outdir ~= "" then
    sent = io.open(outdir .. "/sent-" .. id .. ".txt", "w")
    acked = io.open(outdir .. "/acked-" .. id .. ".txt", "w")
  end
  body = '{"title":"路灯不亮","description":"小区门口的路灯坏了三天，晚上很黑",' ..
         '"channel":"resident_web","lon":' .. lon .. ',"lat":' .. lat .. '}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local key = prefix .. "-" .. id .. "-" .. counter
  if sent then sent:write(key, "\n"); sent:flush() end
  wrk.headers["Idempotency-Key"] = key
  return wrk.format("POST", "/api/v1/cases", nil, body)
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
