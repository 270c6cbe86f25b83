-- wrk script: an owner's first page of 20 with its total, rotating over 1,000 owners
-- whose logins OWNER_FORMAT makes from 1..1000 (default "o%05d", the owners of
-- loadbench gen; "seed8f56.u%06d" for a seed's run seed8f56).
local format = os.getenv("OWNER_FORMAT") or "o%05d"
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/projects?owner=" .. string.format(format, n % 1000 + 1) .. "&limit=20&count=exact")
end
