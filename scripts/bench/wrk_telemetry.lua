-- wrk script: API IoT telemetry batches (POST /api/v1/webhooks/iot/telemetry),
-- signed the Standard Webhooks way per request: a fresh webhook-id (the
-- ingress acknowledges a repeated id without a second record, so rotating
-- pre-signed requests would measure its dedup path), the current
-- webhook-timestamp, and webhook-signature v1,<base64 HMAC-SHA256 of
-- "id.timestamp.body">, computed with libcrypto through LuaJIT's FFI.
-- Bodies from $WRK_REQUESTS (gen_telemetry.py), secret from $WRK_SECRET (raw
-- bytes, as in the ingress's secrets file), $WRK_RUN_TAG makes the ids of one
-- wrk invocation differ from every other's.
-- Usage: WRK_REQUESTS=t.lua WRK_SECRET=s WRK_RUN_TAG=r1 wrk -t2 -c64 -d20s --latency -s wrk_telemetry.lua URL
local ffi = require("ffi")
ffi.cdef[[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
typedef struct hmac_ctx_st HMAC_CTX;
HMAC_CTX *HMAC_CTX_new(void);
int HMAC_Init_ex(HMAC_CTX *ctx, const char *key, int len, const EVP_MD *md, void *impl);
int HMAC_Update(HMAC_CTX *ctx, const char *data, size_t len);
int HMAC_Final(HMAC_CTX *ctx, unsigned char *md, unsigned int *len);
int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);
]]
local crypto = ffi.load("libcrypto.so.3")

local path = "/api/v1/webhooks/iot/telemetry"
local bodies = {}
local idx, counter, nthreads = 0, 0, 0
local secret, tag, ctx, md
local digest = ffi.new("unsigned char[32]")
local digest_len = ffi.new("unsigned int[1]")
local b64 = ffi.new("unsigned char[48]")

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end

function init(args)
  bodies = dofile(os.getenv("WRK_REQUESTS") or "telemetry_data.lua")
  secret = os.getenv("WRK_SECRET") or error("WRK_SECRET is not set")
  tag = os.getenv("WRK_RUN_TAG") or tostring(os.time())
  ctx = crypto.HMAC_CTX_new()
  md = crypto.EVP_sha256()
  -- each wrk thread starts at a different offset
  idx = ((tid or 0) * 499) % #bodies
end

local function sign(id, ts, body)
  crypto.HMAC_Init_ex(ctx, secret, #secret, md, nil)
  local signed = id .. "." .. ts .. "."
  crypto.HMAC_Update(ctx, signed, #signed)
  crypto.HMAC_Update(ctx, body, #body)
  crypto.HMAC_Final(ctx, digest, digest_len)
  local n = crypto.EVP_EncodeBlock(b64, digest, digest_len[0])
  return "v1," .. ffi.string(b64, n)
end

function request()
  idx = idx % #bodies + 1
  counter = counter + 1
  local body = bodies[idx]
  local id = string.format("msg-%s-%d-%d", tag, tid or 0, counter)
  local ts = tostring(os.time())
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["webhook-id"] = id,
    ["webhook-timestamp"] = ts,
    ["webhook-signature"] = sign(id, ts, body),
  }, body)
end
