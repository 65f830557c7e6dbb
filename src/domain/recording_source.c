/* The recording servers' allow-list: see recording_source.h. */
#include "domain/recording_source.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct url_parts {
	bool https;
	char host[256];
	long port;
	const char *path; /* from the '/' after the authority to the end or to '?' / '#' */
	size_t path_len;
	bool has_query;   /* '?' or '#' present */
};

/* Splits scheme://host[:port]/path. 0, or -1 with msg. User info is refused here. */
static int split(const char *u, size_t n, struct url_parts *p, const char **msg)
{
	memset(p, 0, sizeof *p);
	const char *rest;
	if (n > 8 && !strncasecmp(u, "https://", 8))
		p->https = true, rest = u + 8;
	else if (n > 7 && !strncasecmp(u, "http://", 7))
		rest = u + 7;
	else
		return *msg = "录音地址只能以 https:// 或 http:// 开头", -1;
	const char *end = u + n;
	for (const char *q = u; q < end; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7f || *q == '\\')
			return *msg = "录音地址不能包含空白、控制字符或反斜杠", -1;
	const char *slash = memchr(rest, '/', (size_t)(end - rest));
	const char *auth_end = slash ? slash : end;
	for (const char *q = rest; q < auth_end; q++)
		if (*q == '?' || *q == '#')
			auth_end = q;
	if (memchr(rest, '@', (size_t)(auth_end - rest)))
		return *msg = "录音地址不能包含用户名或密码", -1;
	const char *host = rest, *hend;
	if (*host == '[') {
		hend = memchr(host, ']', (size_t)(auth_end - host));
		if (!hend)
			return *msg = "录音地址的主机名无效", -1;
		hend++;
	} else {
		hend = host;
		while (hend < auth_end && *hend != ':')
			hend++;
	}
	size_t hn = (size_t)(hend - host);
	if (hn == 0 || hn >= sizeof p->host)
		return *msg = "录音地址的主机名无效", -1;
	for (size_t i = 0; i < hn; i++)
		p->host[i] = (char)tolower((unsigned char)host[i]);
	p->port = p->https ? 443 : 80;
	if (hend < auth_end) {
		if (*hend != ':' || hend + 1 == auth_end)
			return *msg = "录音地址的端口无效", -1;
		char *e;
		p->port = strtol(hend + 1, &e, 10);
		if (e != auth_end || p->port < 1 || p->port > 65535)
			return *msg = "录音地址的端口无效", -1;
	}
	if (!slash || slash != auth_end)
		return *msg = "录音地址须包含以 / 开头的路径", -1;
	p->path = slash;
	while (slash + p->path_len < end && slash[p->path_len] != '?' && slash[p->path_len] != '#')
		p->path_len++;
	p->has_query = slash + p->path_len < end;
	return 0;
}

static bool loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") || !strcmp(host, "[::1]");
}

/* A path that could climb out of a prefix: a ".." segment, or an encoded '.', '/' or '\'. */
static bool path_climbs(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n) {
			char h[3] = {p[i + 1], p[i + 2], 0};
			if (!strcasecmp(h, "2e") || !strcasecmp(h, "2f") || !strcasecmp(h, "5c"))
				return true;
		}
		if (p[i] == '/' && i + 2 < n && p[i + 1] == '.' && p[i + 2] == '.' && (i + 3 == n || p[i + 3] == '/'))
			return true;
	}
	return false;
}

/* Calls fn on each prefix of list; stops at the first non-zero answer and returns it. */
static int each_prefix(const char *list, int (*fn)(const char *, size_t, void *), void *arg)
{
	for (const char *p = list ? list : ""; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t l = strcspn(p, " ,");
		int rc = l ? fn(p, l, arg) : 0;
		if (rc)
			return rc;
		p += l;
	}
	return 0;
}

static int check_one(const char *s, size_t n, void *arg)
{
	const char **msg = arg;
	struct url_parts p;
	if (split(s, n, &p, msg) != 0)
		return -1;
	if (!p.https && !loopback(p.host))
		return *msg = "录音服务器地址须为 https://（http:// 仅限本机 127.0.0.1 或 localhost）", -1;
	if (p.has_query)
		return *msg = "录音服务器地址前缀不能包含查询参数或片段（? #）", -1;
	if (path_climbs(p.path, p.path_len))
		return *msg = "录音服务器地址前缀不能包含 .. 或编码的 . / \\", -1;
	return 0;
}

int recording_prefixes_check(const char *list, const char **msg)
{
	return each_prefix(list, check_one, (void *)msg) ? -1 : 0;
}

struct match {
	struct url_parts u;
};

static int match_one(const char *s, size_t n, void *arg)
{
	struct match *m = arg;
	struct url_parts p;
	const char *msg;
	if (split(s, n, &p, &msg) != 0 || p.https != m->u.https || p.port != m->u.port || strcmp(p.host, m->u.host))
		return 0;
	if (m->u.path_len < p.path_len || memcmp(m->u.path, p.path, p.path_len))
		return 0;
	/* a segment boundary: the prefix ends with '/', or the URL's path goes on with '/' or ends */
	bool boundary = p.path[p.path_len - 1] == '/' || m->u.path_len == p.path_len || m->u.path[p.path_len] == '/';
	return boundary ? 1 : 0;
}

bool recording_url_allowed(const char *url, const char *list)
{
	struct match m;
	const char *msg;
	if (!url || strlen(url) > 2000 || split(url, strlen(url), &m.u, &msg) != 0 || path_climbs(m.u.path, m.u.path_len))
		return false;
	return each_prefix(list, match_one, &m) == 1;
}
