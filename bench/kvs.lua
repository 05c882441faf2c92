-- bench/kvs.sh: POST /_proxy/kvs/api/v1/{get,set} bodies as @forge/kvs sends them, on
-- random keys k0..k(KEYS-1), with the invocation token. Sets carry a fresh value each time.
local op = os.getenv("OP") or "get"
local token = os.getenv("TOKEN")
local keys = tonumber(os.getenv("KEYS") or "10000")
local vbytes = tonumber(os.getenv("VBYTES") or "100")
assert(token, "TOKEN not set")
local pad = string.rep("v", math.max(vbytes - 24, 1))
local n = 0

function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  math.randomseed(os.time() + (tid or 0) * 7919)
  counter = 0
  wrk.method = "POST"
  wrk.headers["authorization"] = "Bearer " .. token
  wrk.headers["content-type"] = "application/json"
end

function request()
  local key = "k" .. math.random(0, keys - 1)
  local body
  if op == "set" then
    counter = counter + 1
    body = '{"key":"' .. key .. '","value":"' .. (tid or 0) .. "-" .. counter .. pad .. '"}'
  else
    body = '{"key":"' .. key .. '"}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if (op == "get" and status ~= 200) or (op == "set" and status ~= 204) then
    wrk.thread:stop()
  end
end
