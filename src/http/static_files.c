/* Static files. Paths are checked segment by segment: empty, ".", ".." and hidden segments are
 * refused before anything touches the file system, and only regular files are served. MHD has
 * already percent-decoded the path, so "%2e%2e" arrives here as ".." and is refused too. */
#include "http/static_files.h"
#include "http/server.h"
#include <fcntl.h>
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

static int serve_file(struct request *r, const char *rel, bool immutable)
{
	int fd = openat(r->app->web_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return -1;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime_for(rel));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				immutable ? "public, max-age=31536000, immutable" : "no-cache");
	return reply_response(r, 200, resp);
}

int static_serve(struct request *r)
{
	if (r->app->web_fd < 0)
		return not_found(r);
	const char *rel = r->path[0] == '/' ? r->path + 1 : r->path;
	if (!*rel)
		return serve_file(r, "index.html", false) == 0 ? 0 : not_found(r);
	if (!safe_path(rel))
		return not_found(r);
	bool hashed = strncmp(rel, "assets/", 7) == 0;
	if (serve_file(r, rel, hashed) == 0)
		return 0;
	/* Client-side routes (no extension, not an asset) get the app. */
	const char *last = strrchr(rel, '/');
	last = last ? last + 1 : rel;
	if (!hashed && !strchr(last, '.') && serve_file(r, "index.html", false) == 0)
		return 0;
	return not_found(r);
}
