-- wrk script: rotate among the request paths listed in a file, one per line, and print
-- the figures the harness reads as one JSON line. A line `POST PATH BODY` is a V4 call:
-- a POST of the JSON BODY.
--   wrk -t1 -c32 -d10s -s benchmarks/paths.lua http://127.0.0.1:PORT -- PATHS_FILE
-- Each thread starts at a different place in the list, so the connections spread over it.

local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local requests = {}
local next_index = 0

function init(args)
  for line in io.lines(args[1]) do
    if line:sub(1, 5) == "POST " then
      local path, body = line:sub(6):match("^(%S+) (.*)$")
      requests[#requests + 1] =
        wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
    elseif line ~= "" then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  if #requests == 0 then
    error("no paths in " .. args[1])
  end
  next_index = ((id or 0) * 7919) % #requests
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
