/* Static files. Paths are checked segment by segment: empty, ".", ".." and hidden segments are
 * refused before anything touches the file system, and only regular files are served. MHD has
 * already percent-decoded the path, so "%2e%2e" arrives here as ".." and is refused too.
 * Text files are served from the brotli or gzip sibling the web build wrote beside them
 * (NAME.br, NAME.gz) when the client's Accept-Encoding takes it, with Vary and an ETag per
 * encoding; If-None-Match answers 304. Hashed files under assets/ are cached for a year. */
#include "http/static_files.h"
#include "http/server.h"
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int static_open_root(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static const struct {
	const char *ext, *type;
} mime[] = {
	{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
	{".json", "application/json"}, {".map", "application/json"}, {".svg", "image/svg+xml"},
	{".png", "image/png"}, {".jpg", "image/jpeg"}, {".ico", "image/x-icon"},
	{".woff2", "font/woff2"}, {".woff", "font/woff"}, {".ttf", "font/ttf"},
	{".txt", "text/plain; charset=utf-8"}, {".yaml", "application/yaml"},
};

static const char *mime_for(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof mime / sizeof mime[0]; i++)
			if (strcmp(dot, mime[i].ext) == 0)
				return mime[i].type;
	return "application/octet-stream";
}

/* True when every segment of rel is a plain name. */
static bool safe_path(const char *rel)
{
	if (!*rel || strlen(rel) > 512 || strchr(rel, '\\'))
		return false;
	const char *s = rel;
	while (*s) {
		size_t n = strcspn(s, "/");
		if (n == 0 || s[0] == '.')
			return false;
		s += n;
		if (*s == '/')
			s++;
	}
	return rel[strlen(rel) - 1] != '/';
}

static int not_found(struct request *r)
{
	return reply_error(r, 404, "not_found", "请求的资源不存在", NULL);
}

/* True when the Accept-Encoding value names coding without q=0. */
static bool accepts(const char *ae, const char *coding)
{
	size_t n = strlen(coding);
	for (const char *s = ae; s && *s;) {
		s += strspn(s, " \t,");
		size_t len = strcspn(s, ",;");
		const char *end = s + strcspn(s, ",");
		if (len >= n && strncasecmp(s, coding, n) == 0 && strspn(s + n, " \t") == len - n) {
			const char *q = memchr(s, ';', (size_t)(end - s));
			if (!q)
				return true;
			q += strspn(q, "; \t");
			return !(q < end && (*q == 'q' || *q == 'Q') && q[1] == '=' && strtod(q + 2, NULL) <= 0.0);
		}
		s = end;
	}
	return false;
}

static bool compressible(const char *type)
{
	return strncmp(type, "text/", 5) == 0 || strncmp(type, "application/json", 16) == 0 ||
	       strcmp(type, "image/svg+xml") == 0 || strcmp(type, "application/yaml") == 0;
}

/* Opens rel (or its .br/.gz sibling, as the client accepts) as a regular file: fd, or -1. */
static int open_variant(struct request *r, int root, const char *rel, const char **coding, struct stat *st)
{
	static const struct {
		const char *coding, *ext;
	} variants[] = {{"br", ".br"}, {"gzip", ".gz"}};
	const char *ae = req_header(r, "Accept-Encoding");
	*coding = NULL;
	for (size_t i = 0; ae && compressible(mime_for(rel)) && i < 2; i++) {
		char name[600];
		if (!accepts(ae, variants[i].coding) ||
		    snprintf(name, sizeof name, "%s%s", rel, variants[i].ext) >= (int)sizeof name)
			continue;
		int fd = openat(root, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 && fstat(fd, st) == 0 && S_ISREG(st->st_mode)) {
			*coding = variants[i].coding;
			return fd;
		}
		if (fd >= 0)
			close(fd);
	}
	int fd = openat(root, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int serve_file(struct request *r, int root, const char *rel, bool immutable)
{
	struct stat st;
	const char *coding;
	int fd = open_variant(r, root, rel, &coding, &st);
	if (fd < 0)
		return -1;
	char etag[96];
	snprintf(etag, sizeof etag, "\"%llx-%llx%s%s\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec,
		 coding ? "-" : "", coding ? coding : "");
	const char *inm = req_header(r, "If-None-Match");
	bool fresh = inm && strstr(inm, etag) != NULL;
	struct MHD_Response *resp = fresh ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
					  : MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (fresh || !resp)
		close(fd);
	if (!resp)
		return -1;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime_for(rel));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				immutable ? "public, max-age=31536000, immutable" : "no-cache");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	if (compressible(mime_for(rel)))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (coding && !fresh)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, coding);
	return reply_response(r, fresh ? 304 : 200, resp);
}

/* Serves rel (no leading slash; "" = the app) from the directory root; with spa, app routes
 * (no extension) get the app too. */
static int serve_from(struct request *r, int root, const char *rel, bool spa)
{
	if (root < 0)
		return not_found(r);
	if (!*rel)
		return serve_file(r, root, "index.html", false) == 0 ? 0 : not_found(r);
	if (!safe_path(rel))
		return not_found(r);
	bool hashed = strncmp(rel, "assets/", 7) == 0;
	if (serve_file(r, root, rel, hashed) == 0)
		return 0;
	/* Client-side routes (no extension, not an asset) get the app. */
	const char *last = strrchr(rel, '/');
	last = last ? last + 1 : rel;
	if (spa && !hashed && !strchr(last, '.') && serve_file(r, root, "index.html", false) == 0)
		return 0;
	return not_found(r);
}

int static_serve(struct request *r)
{
	return serve_from(r, r->app->web_fd, r->path[0] == '/' ? r->path + 1 : r->path, true);
}

int static_serve_h5(struct request *r)
{
	/* fd 0 is stdin, never our directory: a zeroed struct app has no public site. The site has
	 * no client-side routes, so an unknown path is a 404, not the page. */
	const char *rel = r->path + strlen(STATIC_H5_PREFIX);
	return serve_from(r, r->app->h5_fd > 0 ? r->app->h5_fd : -1, *rel == '/' ? rel + 1 : rel, false);
}
