-- wrk script: an owner's first page of 20 with its total, rotating over 1,000 owners
-- (logins PREFIX.u000001 .. PREFIX.u001000, as seed names them; PREFIX from the
-- environment variable OWNER_PREFIX).
local prefix = os.getenv("OWNER_PREFIX") or "seed"
local n = 0
request = function()
  n = n + 1
  local path = string.format("/api/projects?owner=%s.u%06d&limit=20&count=exact", prefix, n % 1000 + 1)
  return wrk.format("GET", path)
end
