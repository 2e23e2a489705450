-- wrk script: rotates over pre-generated signed Factory webhooks.
-- Copied from ../shared/peers/wrk_webhook.lua (the peer measurements use the
-- same script); the data file comes from $WRK_REQUESTS.
-- Usage: WRK_REQUESTS=requests.lua wrk -t2 -c64 -d20s --latency -s wrk_webhook.lua http://127.0.0.1:8080
local path = "/api/v1/webhooks/factory/status"
local reqs = {}
local idx = 0
local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end

function init(args)
  local f = os.getenv("WRK_REQUESTS") or "requests_data.lua"
  local data = dofile(f)
  for i, r in ipairs(data) do
    reqs[i] = wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["X-Factory-Signature"] = r.sig,
    }, r.body)
  end
  -- each wrk thread starts at a different offset
  idx = ((tid or 0) * 499) % #reqs
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
