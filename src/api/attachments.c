/* Attachments of a complaint (call recordings, letters, photos, documents): upload with the type
 * decided by content sniffing, stored under DATA/attachments with a random name and its
 * SHA-256, downloaded as an attachment; scope checked through the complaint; every upload and
 * download audited. */
#include "api/api.h"
#include "domain/filetype.h"
#include "domain/recording_source.h"
#include "regulator/webhooks.h"
#include "http/request.h"
#include "http/server.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/http_fetch.h"
#include "util/log.h"
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int api_complaint_visible(struct request *r, struct db *d, int64_t id, char *no, size_t no_len, struct refusal *e)
{
	json_t *rec;
	int rc = store_complaint_get(d, id, &rec);
	if (rc < 0)
		return rc;
	bool ok = rc == 1 && (json_integer_value(json_object_get(rec, "registrar_id")) == r->user->user_id ||
			      json_integer_value(json_object_get(rec, "handler_id")) == r->user->user_id ||
			      scope_allows(r->user, json_string_value(json_object_get(rec, "org_path")),
					   json_integer_value(json_object_get(rec, "registrar_id"))));
	if (ok && no)
		snprintf(no, no_len, "%s", json_string_value(json_object_get(rec, "complaint_no")));
	json_decref(rec);
	return ok ? 1 : (refuse(e, 404, "not_found", "投诉单不存在或不在您的数据范围内", NULL), 0);
}

static bool valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 600 || s[0] == '.')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '/' || *s == '\\' || *s == '"')
			return false;
	return true;
}

static void storage_path(struct request *r, const char *storage_name, char *out, size_t n)
{
	snprintf(out, n, "%s/attachments/%.2s/%s", r->app->cfg.data_dir, storage_name, storage_name);
}

int api_attachment_write(struct request *r, const char *storage_name, char *path, size_t pathlen)
{
	char dir[700];
	snprintf(dir, sizeof dir, "%s/attachments", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/attachments/%.2s", r->app->cfg.data_dir, storage_name);
	mkdir(dir, 0700);
	storage_path(r, storage_name, path, pathlen);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < r->body_len) {
		ssize_t w = write(fd, r->body + off, r->body_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(path);
			return -1;
		}
		off += (size_t)w;
	}
	int rc = fsync(fd);
	close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}

struct upload_ctx {
	struct request *r;
	int64_t complaint_id, id, size;
	const char *name, *mime, *storage_name;
	const char *source_url; /* a recording fetched from a recording server, else NULL */
	char sha[65];
	bool recording; /* the call centre's resumable upload: only to its own registrations */
	struct refusal err;
};

static int upload_tx(struct db *d, void *arg)
{
	struct upload_ctx *c = arg;
	c->id = 0; /* a retried transaction starts over */
	int rc = c->recording ? api_recording_target(c->r, d, c->complaint_id, &c->err)
			      : api_complaint_visible(c->r, d, c->complaint_id, NULL, 0, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	if ((rc = store_attachment_insert(d, c->complaint_id, c->name, c->mime, c->size, c->sha,
					  c->storage_name, c->r->user->user_id, now_ms(), &c->id)) < 0)
		return rc;
	json_t *detail = json_pack("{s:I, s:s, s:s, s:I, s:s, s:b}", "attachment_id", (json_int_t)c->id, "name", c->name,
				   "mime", c->mime, "size", (json_int_t)c->size, "sha256", c->sha, "recording", c->recording);
	if (detail && c->source_url)
		json_object_set_new(detail, "source_url", json_string(c->source_url));
	return api_audit(c->r, d, "complaint.attachment_upload", "complaint", c->complaint_id, "ok", detail);
}

int api_attachment_upload(struct request *r)
{
	const char *name = req_query(r, "name");
	if (!valid_name(name))
		return reply_error(r, 400, "invalid_field", "请用 ?name= 提供文件名（不含路径和控制字符）", "name");
	if (r->body_len == 0)
		return reply_error(r, 400, "missing_field", "文件内容为空", NULL);
	const char *mime = filetype_sniff((const unsigned char *)r->body, r->body_len, name);
	if (!mime)
		return reply_error(r, 415, "file_type_not_allowed",
				   "不支持的文件类型：仅允许录音（mp3/wav/amr/m4a/ogg）、图片、PDF和Office文档", NULL);
	if (!filetype_name_matches(mime, name)) {
		char msg[200];
		snprintf(msg, sizeof msg, "文件扩展名与文件内容不符：内容为 %s，文件名须以 %s 结尾", mime,
			 filetype_extensions(mime));
		return reply_error(r, 415, "file_name_mismatch", msg, "name");
	}
	/* (The size limit was enforced while the body arrived: 413 with the limit in the message.) */
	char storage[40], path[800];
	crypto_random_token(storage, 24); /* 32 URL-safe characters */
	struct upload_ctx c = {.r = r, .complaint_id = req_arg_id(r, 0), .name = name, .mime = mime, .storage_name = storage,
			       .size = (int64_t)r->body_len};
	crypto_sha256_hex(r->body, r->body_len, c.sha);
	if (api_attachment_write(r, storage, path, sizeof path) != 0) {
		log_error("req=%s cannot store attachment %s: %s", r->id, path, strerror(errno));
		return reply_error(r, 500, "internal", "附件保存失败", NULL);
	}
	int rc = store_write(upload_tx, &c);
	if (rc != 0) {
		unlink(path); /* the row did not commit: the bytes go too */
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	json_t *rec;
	if (store_complaint_get(r->db, c.complaint_id, &rec) == 1) {
		api_complaint_publish(rec, "attachment");
		json_decref(rec);
	}
	return reply_json(r, 201, json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)c.id, "name", name, "mime",
					    mime, "size", (json_int_t)r->body_len, "sha256", c.sha));
}

int api_attachment_list(struct request *r)
{
	struct refusal e = {0};
	int64_t id = req_arg_id(r, 0);
	int rc = api_complaint_visible(r, r->db, id, NULL, 0, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	json_t *items;
	if ((rc = store_attachment_list(r->db, id, &items)) < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

struct download_ctx {
	struct request *r;
	int64_t id;
	json_t *row;
	struct refusal err;
};

static int download_tx(struct db *d, void *arg)
{
	struct download_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->row);
	c->row = NULL;
	int rc = store_attachment_get(d, c->id, &c->row);
	if (rc != 1)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "附件不存在", NULL);
	int64_t complaint = json_integer_value(json_object_get(c->row, "complaint_id"));
	if ((rc = api_complaint_visible(c->r, d, complaint, NULL, 0, &c->err)) != 1)
		return rc == 0 ? refuse(&c->err, 404, "not_found", "附件不存在", NULL) : rc;
	return api_audit(c->r, d, "complaint.attachment_download", "complaint", complaint, "ok",
			 json_pack("{s:I, s:O}", "attachment_id", (json_int_t)c->id, "name", json_object_get(c->row, "name")));
}

/* RFC 5987 encoding for a UTF-8 file name in Content-Disposition. */
static void encode_name(const char *in, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *s = (const unsigned char *)in; *s && o + 4 < n; s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("-._~", *s)) {
			out[o++] = (char)*s;
		} else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
		}
	}
	out[o] = '\0';
}

int api_attachment_download(struct request *r)
{
	struct download_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(download_tx, &c);
	if (rc != 0) {
		json_decref(c.row);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	rc = api_attachment_send(r, c.row);
	json_decref(c.row);
	return rc;
}

int api_attachment_send(struct request *r, json_t *row)
{
	char path[800];
	storage_path(r, json_string_value(json_object_get(row, "storage_name")), path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		log_error("req=%s attachment file missing: %s", r->id, path);
		return reply_error(r, 500, "internal", "附件文件缺失，请联系管理员", NULL);
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	}
	char disp[1800], enc[1700];
	encode_name(json_string_value(json_object_get(row, "name")), enc, sizeof enc);
	snprintf(disp, sizeof disp, "attachment; filename=\"attachment\"; filename*=UTF-8''%s", enc);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, json_string_value(json_object_get(row, "mime")));
	MHD_add_response_header(resp, "Content-Disposition", disp);
	return reply_response(r, 200, resp);
}

/* ---- the call centre's resumable recording upload (issue 15 item 3) ---- */

int api_recording_target(struct request *r, struct db *d, int64_t complaint_id, struct refusal *e)
{
	json_t *rec;
	int rc = store_complaint_get(d, complaint_id, &rec);
	if (rc < 0)
		return rc;
	bool mine = rc == 1 && json_integer_value(json_object_get(rec, "registrar_id")) == r->user->user_id;
	json_decref(rec);
	return mine ? 1 : (refuse(e, 404, "not_found", "投诉单不存在或不是本账号登记的", NULL), 0);
}

int api_attachment_adopt(struct request *r, int64_t complaint_id, const char *tmp_path, const char *name,
			 const char *mime, const char *source_url, json_t **out)
{
	*out = NULL;
	int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return reply_error(r, 500, "internal", "录音文件读取失败", NULL), -1;
	struct crypto_sha256_ctx st;
	crypto_sha256_init(&st);
	unsigned char buf[65536];
	int64_t size = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		crypto_sha256_update(&st, buf, (size_t)n);
		size += n;
	}
	close(fd);
	unsigned char digest[32];
	crypto_sha256_final(&st, digest);
	char storage[40], path[800], dir[700];
	crypto_random_token(storage, 24);
	struct upload_ctx c = {.r = r, .complaint_id = complaint_id, .name = name, .mime = mime, .storage_name = storage,
			       .size = size, .recording = true, .source_url = source_url};
	crypto_hex(digest, sizeof digest, c.sha);
	snprintf(dir, sizeof dir, "%s/attachments", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/attachments/%.2s", r->app->cfg.data_dir, storage);
	mkdir(dir, 0700);
	storage_path(r, storage, path, sizeof path);
	if (n < 0 || rename(tmp_path, path) != 0) {
		log_error("req=%s cannot store recording %s: %s", r->id, path, strerror(errno));
		return reply_error(r, 500, "internal", "录音保存失败", NULL), -1;
	}
	int rc = store_write(upload_tx, &c);
	if (rc != 0) {
		unlink(path);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL), -1;
	}
	*out = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)c.id, "name", name, "mime", mime, "size",
			 (json_int_t)size, "sha256", c.sha);
	return 0;
}

/* DATA/uploads/rec-<complaint>-<user>-<sha of name>.part: one partial recording per complaint,
 * account and file name, so a resumed upload finds its bytes. */
static void part_path(struct request *r, int64_t complaint_id, const char *name, char *out, size_t n)
{
	char sha[65], dir[700];
	crypto_sha256_hex(name, strlen(name), sha);
	snprintf(dir, sizeof dir, "%s/uploads", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	snprintf(out, n, "%s/rec-%lld-%lld-%.16s.part", dir, (long long)complaint_id, (long long)r->user->user_id, sha);
}

static int64_t part_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* The complaint must be the caller's own registration: 0 after replying otherwise. */
static int recording_allowed(struct request *r, int64_t id)
{
	struct refusal e = {0};
	int rc = api_recording_target(r, r->db, id, &e);
	if (rc == 1)
		return 1;
	if (rc < 0)
		reply_db_error(r, rc);
	else
		api_reply_tx_error(r, 1, &e, NULL, NULL);
	return 0;
}

int api_callcenter_recording_state(struct request *r)
{
	const char *name = req_query(r, "name");
	if (!valid_name(name))
		return reply_error(r, 400, "invalid_field", "请用 ?name= 提供录音文件名", "name");
	int64_t id = req_arg_id(r, 0);
	if (!recording_allowed(r, id))
		return 0;
	char path[900];
	part_path(r, id, name, path, sizeof path);
	return reply_json(r, 200, json_pack("{s:I}", "offset", (json_int_t)part_size(path)));
}

/* A whole recording at path (a temporary file, consumed): its head sniffed as audio, then adopted
 * onto complaint id and announced; replies 201 with the attachment, or the error. */
static int recording_finish(struct request *r, int64_t id, const char *path, const char *name, const char *source_url)
{
	unsigned char head[64];
	int hfd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t hn = hfd >= 0 ? read(hfd, head, sizeof head) : -1;
	if (hfd >= 0)
		close(hfd);
	const char *mime = hn > 0 ? filetype_sniff(head, (size_t)hn, name) : NULL;
	if (!mime || strncmp(mime, "audio/", 6) != 0) {
		unlink(path);
		return reply_error(r, 415, "file_type_not_allowed", "通话录音只接受音频文件（wav/mp3/amr/m4a/ogg）", NULL);
	}
	if (!filetype_name_matches(mime, name)) {
		unlink(path);
		return reply_error(r, 415, "file_name_mismatch", "文件扩展名与文件内容不符", "name");
	}
	json_t *att;
	if (api_attachment_adopt(r, id, path, name, mime, source_url, &att) != 0) {
		if (source_url) /* a fetched file can be fetched again; a chunked upload keeps its part */
			unlink(path);
		return 0;
	}
	if (source_url)
		json_object_set_new(att, "source_url", json_string(source_url));
	json_t *rec;
	if (store_complaint_get(r->db, id, &rec) == 1) {
		api_complaint_publish(rec, "attachment");
		json_decref(rec);
	}
	return reply_json(r, 201, att);
}

/* Content-Range: bytes START-END/TOTAL. 0, or -1 when malformed. */
static int parse_range(const char *h, int64_t *start, int64_t *end, int64_t *total)
{
	long long a, b, t;
	int used = 0;
	if (!h || sscanf(h, "bytes %lld-%lld/%lld%n", &a, &b, &t, &used) != 3 || h[used] != 0 || a < 0 || b < a || t <= b)
		return -1;
	*start = a, *end = b, *total = t;
	return 0;
}

int api_callcenter_recording(struct request *r)
{
	const char *name = req_query(r, "name");
	if (!valid_name(name))
		return reply_error(r, 400, "invalid_field", "请用 ?name= 提供录音文件名（不含路径和控制字符）", "name");
	int64_t start, end, total, id = req_arg_id(r, 0);
	if (parse_range(req_header(r, "Content-Range"), &start, &end, &total) != 0 || end - start + 1 != (int64_t)r->body_len)
		return reply_error(r, 400, "invalid_field", "请用 Content-Range: bytes 起-止/总长 标明本段位置，且与本段长度一致",
				   "Content-Range");
	struct integration_settings s;
	int rc = integration_settings_get(r->db, &s);
	if (rc < 0)
		return reply_db_error(r, rc);
	if (total > (int64_t)s.recording_max_mb << 20) {
		char msg[160];
		snprintf(msg, sizeof msg, "录音文件超过大小上限（%d MB，集成设置 recording_max_mb）", s.recording_max_mb);
		return reply_error(r, 413, "too_large", msg, NULL);
	}
	if (!recording_allowed(r, id))
		return 0;
	char path[900];
	part_path(r, id, name, path, sizeof path);
	int64_t have = part_size(path);
	if (start != have)
		return reply_error_at(r, 409, "upload_offset_mismatch", "分段位置与已接收的长度不符，请从 offset 处续传",
				      "Content-Range", "offset", (long long)have);
	if (start == 0) { /* the head decides the type: recordings only */
		const char *mime = filetype_sniff((const unsigned char *)r->body, r->body_len, name);
		if (!mime || strncmp(mime, "audio/", 6) != 0)
			return reply_error(r, 415, "file_type_not_allowed", "通话录音只接受音频文件（wav/mp3/amr/m4a/ogg）", NULL);
		if (!filetype_name_matches(mime, name))
			return reply_error(r, 415, "file_name_mismatch", "文件扩展名与文件内容不符", "name");
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	size_t off = 0;
	while (fd >= 0 && off < r->body_len) {
		ssize_t w = write(fd, r->body + off, r->body_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	bool ok = fd >= 0 && off == r->body_len && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok) {
		if (truncate(path, have) != 0)
			unlink(path);
		log_error("req=%s recording chunk not stored: %s", r->id, strerror(errno));
		return reply_error(r, 500, "internal", "录音分段保存失败，请重试本段", NULL);
	}
	if (end + 1 < total)
		return reply_json(r, 200, json_pack("{s:I, s:I}", "offset", (json_int_t)(end + 1), "total", (json_int_t)total));
	/* The whole file is here: sniff its head again from disk (the first chunk's), then adopt. */
	return recording_finish(r, id, path, name, NULL);
}

/* ---- a recording fetched from an allow-listed recording server ---- */

static const struct field_spec fetch_spec[] = {
	{"url", F_STRING, true, 2000, 8, "录音地址"},
	{"name", F_STRING, false, 600, 1, "文件名"},
	{NULL},
};

/* The name of the file: the body's, else the URL path's last segment. 0, or -1 when none fits. */
static int fetch_name(const char *url, const char *given, char *out, size_t n)
{
	if (given)
		return snprintf(out, n, "%s", given) < (int)n && valid_name(out) ? 0 : -1;
	const char *p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	if (!p)
		return -1;
	size_t len = strcspn(p, "?#");
	const char *seg = p;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '/')
			seg = p + i + 1;
	size_t sl = (size_t)(p + len - seg);
	if (sl == 0 || sl >= n || memchr(seg, '%', sl))
		return -1;
	snprintf(out, n, "%.*s", (int)sl, seg);
	return valid_name(out) ? 0 : -1;
}

int api_callcenter_recording_fetch(struct request *r)
{
	if (req_validate(r, fetch_spec) != 0)
		return 0;
	const char *url = body_str(r, "url");
	int64_t id = req_arg_id(r, 0);
	struct integration_settings s;
	int rc = integration_settings_get(r->db, &s);
	if (rc < 0)
		return reply_db_error(r, rc);
	if (!s.recording_fetch_prefixes[0])
		return reply_error(r, 400, "url_not_allowed",
				   "未配置允许的录音服务器地址（集成设置 recording_fetch_prefixes），不能从录音服务器拉取", "url");
	if (!recording_url_allowed(url, s.recording_fetch_prefixes))
		return reply_error(r, 400, "url_not_allowed",
				   "录音地址不在允许的录音服务器地址列表中（集成设置 recording_fetch_prefixes），或包含用户名、.. 等不允许的内容",
				   "url");
	char name[601];
	if (fetch_name(url, body_str(r, "name"), name, sizeof name) != 0)
		return reply_error(r, 400, "invalid_field", "请用 name 提供录音文件名（地址末段不能用作文件名时）", "name");
	if (!recording_allowed(r, id))
		return 0;
	char path[900];
	snprintf(path, sizeof path, "%s/uploads", r->app->cfg.data_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/uploads/fetch-XXXXXX", r->app->cfg.data_dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		log_error("req=%s cannot create %s: %s", r->id, path, strerror(errno));
		return reply_error(r, 500, "internal", "录音临时文件创建失败", NULL);
	}
	long status;
	int64_t got;
	char why[300], msg[500];
	int64_t t0 = now_ms();
	rc = http_fetch_to_fd(url, fd, (int64_t)s.recording_max_mb << 20, s.recording_fetch_timeout_s * 1000L, &status,
			      &got, why, sizeof why);
	bool synced = rc == HTTP_FETCH_OK && fsync(fd) == 0;
	close(fd);
	log_info("req=%s recording fetch %s: rc=%d http=%ld bytes=%lld in %lld ms", r->id, url, rc, status, (long long)got,
		 (long long)(now_ms() - t0));
	if (rc == HTTP_FETCH_OK && synced && status == 200 && got > 0)
		return recording_finish(r, id, path, name, url);
	unlink(path);
	if (rc == HTTP_FETCH_TOO_LARGE) {
		snprintf(msg, sizeof msg, "录音文件超过大小上限（%d MB，集成设置 recording_max_mb）", s.recording_max_mb);
		return reply_error(r, 413, "too_large", msg, NULL);
	}
	if (rc == HTTP_FETCH_TIMEOUT) {
		snprintf(msg, sizeof msg, "录音服务器未在 %d 秒内传完文件（集成设置 recording_fetch_timeout_s）", s.recording_fetch_timeout_s);
		return reply_error(r, 504, "upstream_timeout", msg, "url");
	}
	if (rc == HTTP_FETCH_OK && status >= 300 && status < 400) {
		snprintf(msg, sizeof msg, "录音服务器返回重定向（HTTP %ld），为防止跳转到列表外的地址不予跟随；请提供文件的最终地址", status);
		return reply_error(r, 502, "redirect_refused", msg, "url");
	}
	if (rc == HTTP_FETCH_OK && synced)
		snprintf(msg, sizeof msg, "录音服务器返回 HTTP %ld%s", status, status == 200 ? "，但文件为空" : "");
	else if (rc == HTTP_FETCH_OK || rc == HTTP_FETCH_WRITE)
		return reply_error(r, 500, "internal", "录音文件保存失败", NULL);
	else
		snprintf(msg, sizeof msg, "无法从录音服务器取得文件：%s", why);
	return reply_error(r, 502, "upstream_error", msg, "url");
}
