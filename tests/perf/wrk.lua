-- The bench's wrk script: counts answers with the expected status and prints one line the
-- bench parses. With BENCH_POST_PREFIX set, every request POSTs a new comment body.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(os.getenv("BENCH_EXPECT") or "200")
  prefix = os.getenv("BENCH_POST_PREFIX")
  ok, other, sent = 0, 0, 0
end

function request()
  if prefix then
    sent = sent + 1
    return wrk.format("POST", nil, nil, "body=" .. prefix .. "+" .. sent)
  end
  return wrk.request()
end

function response(status, headers, body)
  if status == expected then
    ok = ok + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local ok_total, other_total = 0, 0
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    other_total = other_total + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d ok=%d other=%d errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    ok_total, other_total, e.connect + e.read + e.write, e.timeout))
end
