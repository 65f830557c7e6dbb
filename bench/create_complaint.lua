-- wrk script: POST /api/v1/complaints with the session cookie and CSRF token from the
-- environment (FCMS_COOKIE, FCMS_CSRF) and the body FCMS_BODY. wrk reports answers other than
-- 2xx/3xx on a "Non-2xx or 3xx responses" line; bench/complaints.sh also counts the complaints
-- created.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("FCMS_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("FCMS_CSRF")
wrk.body = os.getenv("FCMS_BODY")
