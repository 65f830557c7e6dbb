-- wrk script: POST /api/v1/complaints with the session cookie and CSRF token from the
-- environment (FCMS_COOKIE, FCMS_CSRF); counts the status codes.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("FCMS_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("FCMS_CSRF")
wrk.body = os.getenv("FCMS_BODY")
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  for k, v in pairs(statuses) do io.write(string.format("status %d: %d\n", k, v)) end
end
