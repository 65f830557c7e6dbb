/* CSV and xlsx table reader (see sheet_read.h). */
#include "util/sheet_read.h"
#include <errno.h>
#include <expat.h>
#include <iconv.h>
#include <minizip/unzip.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sheet_kind sheet_sniff(const void *head, size_t n)
{
	const unsigned char *p = head;
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4)
		return SHEET_XLSX;
	if (n == 0)
		return SHEET_UNKNOWN;
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0)
			return SHEET_UNKNOWN;
	return SHEET_CSV;
}

static void set_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* ---- one row being built: cells by column, each a growable string ---- */
struct rowbuf {
	char *cell[SHEET_MAX_COLS];
	size_t len[SHEET_MAX_COLS], cap[SHEET_MAX_COLS];
	bool formula[SHEET_MAX_COLS];
	const char *view[SHEET_MAX_COLS];
	int ncells;
};

static void row_reset(struct rowbuf *b)
{
	for (int i = 0; i < b->ncells; i++) {
		b->len[i] = 0;
		if (b->cell[i])
			b->cell[i][0] = '\0';
		b->formula[i] = false;
	}
	b->ncells = 0;
}

static void row_free(struct rowbuf *b)
{
	for (int i = 0; i < SHEET_MAX_COLS; i++)
		free(b->cell[i]);
}

/* Makes column col exist (cells before it empty). -1 past the bounds or out of memory. */
static int row_touch(struct rowbuf *b, int col)
{
	if (col < 0 || col >= SHEET_MAX_COLS)
		return -1;
	while (b->ncells <= col) {
		int i = b->ncells++;
		b->len[i] = 0;
		b->formula[i] = false;
		if (b->cell[i])
			b->cell[i][0] = '\0';
	}
	return 0;
}

static int row_append(struct rowbuf *b, int col, const char *s, size_t n)
{
	if (row_touch(b, col) != 0)
		return -1;
	if (b->len[col] + n > SHEET_MAX_CELL)
		return -1;
	if (b->len[col] + n + 1 > b->cap[col]) {
		size_t want = (b->len[col] + n + 1) * 2;
		char *p = realloc(b->cell[col], want);
		if (!p)
			return -1;
		b->cell[col] = p;
		b->cap[col] = want;
	}
	memcpy(b->cell[col] + b->len[col], s, n);
	b->len[col] += n;
	b->cell[col][b->len[col]] = '\0';
	return 0;
}

static int row_emit(struct rowbuf *b, int64_t row_no, sheet_row_fn fn, void *ctx)
{
	for (int i = 0; i < b->ncells; i++)
		b->view[i] = b->cell[i] ? b->cell[i] : "";
	struct sheet_row r = {row_no, b->ncells, b->view, b->formula};
	return fn(&r, ctx);
}

/* ---- CSV ---- */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		int k = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
		if (k < 0 || (k == 1 && c < 0xC2))
			return false;
		for (int j = 1; j <= k; j++)
			if (i + (size_t)j >= n || (s[i + (size_t)j] & 0xC0) != 0x80)
				return false;
		i += (size_t)k + 1;
	}
	return true;
}

/* GB18030 (a superset of GBK and GB2312, what Chinese Excel saves CSV in) to UTF-8. */
static char *gb18030_to_utf8(const char *in, size_t n, size_t *outlen)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = n * 2 + 16, left = cap;
	char *out = malloc(cap), *o = out, *i = (char *)in;
	size_t inleft = n;
	if (out && iconv(cd, &i, &inleft, &o, &left) == (size_t)-1) {
		free(out);
		out = NULL;
	}
	iconv_close(cd);
	if (out) {
		*outlen = cap - left;
		*o = '\0'; /* at most 1.5 bytes out per byte in: there is room; read_csv scans with strcspn */
	}
	return out;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t r = fread(buf + n, 1, 65536, f);
		n += r;
		if (r == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The file's text as UTF-8 (a BOM dropped; GB18030/GBK converted). Caller frees *text_out, the
 * start of the text is *s. 0, or -1 with err. */
static int load_text(const char *path, char **text_out, char **s_out, size_t *n_out, char *err, size_t errlen)
{
	size_t n;
	char *text = read_all(path, &n);
	if (!text)
		return set_err(err, errlen, "无法读取文件"), -1;
	char *s = text;
	if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3, n -= 3;
	else if (!utf8_valid((const unsigned char *)s, n)) {
		size_t m;
		char *conv = gb18030_to_utf8(s, n, &m);
		free(text);
		if (!conv)
			return set_err(err, errlen, "文件编码既不是 UTF-8 也不是 GB18030/GBK"), -1;
		text = s = conv;
		n = m;
	}
	*text_out = text;
	*s_out = s;
	*n_out = n;
	return 0;
}

/* The CSV reader's state (RFC 4180, with bare CR or LF line ends). */
struct csv {
	const char *s;
	size_t n, i;
	int64_t line, row_line; /* the line at i; the line the record began on */
	int col;
	bool quoted, any, done;
	struct rowbuf *b;
	char *err;
	size_t errlen;
};

static int csv_too_long(struct csv *p)
{
	set_err(p->err, p->errlen, "第 %lld 行：单元格超过 %d 字节", (long long)p->row_line, SHEET_MAX_CELL);
	return -1;
}

/* Inside quotes: the run up to the next quote, a doubled quote, or the closing one. */
static int csv_quoted(struct csv *p)
{
	if (p->i >= p->n) {
		set_err(p->err, p->errlen, "第 %lld 行：引号没有闭合", (long long)p->row_line);
		return -1;
	}
	const char *at = p->s + p->i;
	const char *q = memchr(at, '"', p->n - p->i);
	size_t run = q ? (size_t)(q - at) : p->n - p->i;
	for (size_t k = 0; k < run; k++)
		p->line += at[k] == '\n';
	if (run && row_append(p->b, p->col, at, run) != 0)
		return csv_too_long(p);
	p->i += run;
	if (!q)
		return 0; /* the unclosed quote is found at the end */
	if (p->i + 1 < p->n && p->s[p->i + 1] == '"') {
		p->i += 2;
		return row_append(p->b, p->col, "\"", 1) != 0 ? csv_too_long(p) : 0;
	}
	p->quoted = false;
	p->i++;
	return 0;
}

/* The end of a record: the row goes to fn (a last line without text is no row). */
static int csv_end_row(struct csv *p, sheet_row_fn fn, void *ctx)
{
	bool at_end = p->i >= p->n;
	if (at_end && !p->any && p->b->ncells == 0) {
		p->done = true;
		return 0;
	}
	int rc = row_emit(p->b, p->row_line, fn, ctx);
	row_reset(p->b);
	p->col = 0;
	p->any = false;
	p->row_line = ++p->line;
	p->i++;
	p->done = at_end;
	return rc;
}

/* Outside quotes: one separator, line end, opening quote, or the run of plain text. */
static int csv_plain(struct csv *p, sheet_row_fn fn, void *ctx)
{
	char c = p->i < p->n ? p->s[p->i] : '\n';
	struct rowbuf *b = p->b;
	if (c == '"' && (p->col >= b->ncells || b->len[p->col] == 0)) {
		p->quoted = p->any = true;
		p->i++;
		return row_touch(b, p->col);
	}
	if (c == ',') {
		if (row_touch(b, p->col) != 0 || ++p->col >= SHEET_MAX_COLS) {
			set_err(p->err, p->errlen, "第 %lld 行：列数超过 %d", (long long)p->row_line, SHEET_MAX_COLS);
			return -1;
		}
		p->any = true;
		p->i++;
		return row_touch(b, p->col);
	}
	if (c == '\r' && p->i + 1 < p->n && p->s[p->i + 1] == '\n') {
		p->i++;
		return 0;
	}
	if (c == '\n' || c == '\r')
		return csv_end_row(p, fn, ctx);
	size_t run = strcspn(p->s + p->i, ",\"\r\n");
	if (run > p->n - p->i)
		run = p->n - p->i;
	if (run == 0)
		run = 1; /* a quote inside a cell is text */
	p->any = true;
	if (row_append(b, p->col, p->s + p->i, run) != 0)
		return csv_too_long(p);
	p->i += run;
	return 0;
}

static int read_csv(const char *path, sheet_row_fn fn, void *ctx, char *err, size_t errlen)
{
	char *text, *s;
	size_t n;
	if (load_text(path, &text, &s, &n, err, errlen) != 0)
		return -1;
	struct csv p = {.s = s, .n = n, .line = 1, .row_line = 1, .err = err, .errlen = errlen};
	if (!(p.b = calloc(1, sizeof *p.b))) {
		free(text);
		return set_err(err, errlen, "内存不足"), -1;
	}
	int rc = 0;
	while (rc == 0 && !p.done)
		rc = p.quoted ? csv_quoted(&p) : csv_plain(&p, fn, ctx);
	if (rc == -1 && !*err)
		set_err(err, errlen, "第 %lld 行：单元格或列数超出上限", (long long)p.row_line);
	row_free(p.b);
	free(p.b);
	free(text);
	return rc;
}

/* ---- xlsx ---- */
/* Streams one zip member through an expat parser. 0, or -1 with err. */
static int parse_member(unzFile z, const char *name, XML_Parser p, char *err, size_t errlen)
{
	if (unzLocateFile(z, name, 0) != UNZ_OK)
		return set_err(err, errlen, "xlsx 文件缺少 %s", name), -1;
	if (unzOpenCurrentFile(z) != UNZ_OK)
		return set_err(err, errlen, "xlsx 文件损坏（%s）", name), -1;
	char buf[65536];
	int64_t total = 0;
	int rc = 0;
	for (;;) {
		int r = unzReadCurrentFile(z, buf, sizeof buf);
		if (r < 0) {
			set_err(err, errlen, "xlsx 文件损坏（%s 解压失败）", name);
			rc = -1;
			break;
		}
		total += r;
		if (total > SHEET_MAX_XML) {
			set_err(err, errlen, "xlsx 文件解压后过大（%s）", name);
			rc = -1;
			break;
		}
		if (XML_Parse(p, buf, r, r == 0) == XML_STATUS_ERROR) {
			/* a callback that stopped the parser has set err already */
			if (!*err)
				set_err(err, errlen, "xlsx 文件 XML 格式错误（%s 第 %lu 行：%s）", name,
					(unsigned long)XML_GetCurrentLineNumber(p), XML_ErrorString(XML_GetErrorCode(p)));
			rc = -1;
			break;
		}
		if (r == 0)
			break;
	}
	unzCloseCurrentFile(z);
	return rc;
}

static const char *local_name(const char *n)
{
	const char *c = strrchr(n, ':');
	return c ? c + 1 : n;
}

static const char *attr(const char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2)
		if (!strcmp(local_name(atts[i]), name))
			return atts[i + 1];
	return NULL;
}

/* Shared strings: <si> items, the text of every <t> inside joined. */
struct sst {
	char **items;
	size_t n, cap;
	char *cur;
	size_t curlen;
	bool in_t, in_si, in_rph, oom;
};

static void sst_start(void *ud, const char *el, const char **atts)
{
	struct sst *s = ud;
	const char *n = local_name(el);
	if (!strcmp(n, "si")) {
		s->in_si = true;
		s->curlen = 0;
		free(s->cur);
		s->cur = strdup("");
		if (!s->cur)
			s->oom = true;
	} else if (!strcmp(n, "t") && s->in_si)
		s->in_t = true;
	else if (!strcmp(n, "rPh"))
		s->in_si = s->in_si; /* phonetic runs hold readings, not text: their <t> is skipped below */
	(void)atts;
}

static void sst_end(void *ud, const char *el)
{
	struct sst *s = ud;
	const char *n = local_name(el);
	if (!strcmp(n, "t"))
		s->in_t = false;
	else if (!strcmp(n, "rPh"))
		s->in_rph = false;
	else if (!strcmp(n, "si") && s->in_si) {
		s->in_si = false;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 1024;
			char **p = realloc(s->items, cap * sizeof *p);
			if (!p) {
				s->oom = true;
				return;
			}
			s->items = p;
			s->cap = cap;
		}
		s->items[s->n++] = s->cur;
		s->cur = NULL;
	}
}

static void sst_text(void *ud, const char *t, int len)
{
	struct sst *s = ud;
	if (!s->in_t || !s->cur || s->oom)
		return;
	if (s->curlen + (size_t)len > SHEET_MAX_CELL) {
		s->oom = true;
		return;
	}
	char *p = realloc(s->cur, s->curlen + (size_t)len + 1);
	if (!p) {
		s->oom = true;
		return;
	}
	memcpy(p + s->curlen, t, (size_t)len);
	s->curlen += (size_t)len;
	p[s->curlen] = '\0';
	s->cur = p;
}

static void sst_free(struct sst *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	free(s->cur);
}

/* The first sheet's member name: workbook.xml names it by relationship id, the rels file maps
 * the id to a path. */
struct first_sheet {
	char rid[64];
	char target[256];
	bool looking_rels;
};

static void wb_start(void *ud, const char *el, const char **atts)
{
	struct first_sheet *f = ud;
	const char *n = local_name(el);
	if (!f->looking_rels && !strcmp(n, "sheet") && !f->rid[0]) {
		const char *id = attr(atts, "id");
		if (id)
			snprintf(f->rid, sizeof f->rid, "%s", id);
	} else if (f->looking_rels && !strcmp(n, "Relationship") && !f->target[0]) {
		const char *id = attr(atts, "Id"), *t = attr(atts, "Target");
		if (id && t && !strcmp(id, f->rid)) {
			if (t[0] == '/')
				snprintf(f->target, sizeof f->target, "%s", t + 1);
			else
				snprintf(f->target, sizeof f->target, "xl/%s", t);
		}
	}
}

struct sheet_parse {
	XML_Parser p;
	struct sst *sst;
	struct rowbuf *b;
	sheet_row_fn fn;
	void *ctx;
	int64_t row_no, last_row;
	int col, next_col;
	char type[16];
	bool in_v, in_is_t, in_f, has_f;
	char vbuf[64];
	size_t vlen;
	int stop; /* the callback's value, or -1 on an error (err set) */
	char *err;
	size_t errlen;
};

static void halt(struct sheet_parse *sp, int v)
{
	sp->stop = v;
	XML_StopParser(sp->p, XML_FALSE);
}

/* "AB12" -> column 27 (0-based) and row 12. */
static int cell_ref(const char *r, int *col, int64_t *row)
{
	int c = 0, k = 0;
	while (*r >= 'A' && *r <= 'Z' && k < 4)
		c = c * 26 + (*r++ - 'A' + 1), k++;
	if (k == 0)
		return -1;
	*col = c - 1;
	*row = strtoll(r, NULL, 10);
	return 0;
}

/* Emits empty rows for row numbers skipped in the sheet, so row numbers stay those of the file. */
static void emit_gap(struct sheet_parse *sp, int64_t upto)
{
	while (sp->stop == 0 && sp->last_row + 1 < upto) {
		sp->last_row++;
		int v = row_emit(sp->b, sp->last_row, sp->fn, sp->ctx);
		if (v)
			halt(sp, v);
	}
}

static void sh_start(void *ud, const char *el, const char **atts)
{
	struct sheet_parse *sp = ud;
	const char *n = local_name(el);
	if (sp->stop)
		return;
	if (!strcmp(n, "row")) {
		const char *r = attr(atts, "r");
		sp->row_no = r ? strtoll(r, NULL, 10) : sp->last_row + 1;
		if (sp->row_no <= sp->last_row)
			sp->row_no = sp->last_row + 1;
		emit_gap(sp, sp->row_no);
		row_reset(sp->b);
		sp->next_col = 0;
	} else if (!strcmp(n, "c")) {
		const char *r = attr(atts, "r"), *t = attr(atts, "t");
		int64_t rr;
		sp->col = sp->next_col;
		if (r && cell_ref(r, &sp->col, &rr) != 0)
			sp->col = sp->next_col;
		sp->next_col = sp->col + 1;
		snprintf(sp->type, sizeof sp->type, "%s", t ? t : "n");
		sp->has_f = false;
		sp->vlen = 0;
		if (row_touch(sp->b, sp->col) != 0) {
			set_err(sp->err, sp->errlen, "第 %lld 行：列数超过 %d", (long long)sp->row_no, SHEET_MAX_COLS);
			halt(sp, -1);
		}
	} else if (!strcmp(n, "v"))
		sp->in_v = true, sp->vlen = 0;
	else if (!strcmp(n, "f"))
		sp->in_f = true, sp->has_f = true;
	else if (!strcmp(n, "t"))
		sp->in_is_t = true;
}

static void sh_text(void *ud, const char *t, int len)
{
	struct sheet_parse *sp = ud;
	if (sp->stop)
		return;
	bool shared = !strcmp(sp->type, "s");
	if (sp->in_v && shared) {
		if (sp->vlen + (size_t)len < sizeof sp->vbuf) {
			memcpy(sp->vbuf + sp->vlen, t, (size_t)len);
			sp->vlen += (size_t)len;
		}
		return;
	}
	if ((sp->in_v && !shared) || sp->in_is_t) {
		if (row_append(sp->b, sp->col, t, (size_t)len) != 0) {
			set_err(sp->err, sp->errlen, "第 %lld 行：单元格超过 %d 字节", (long long)sp->row_no, SHEET_MAX_CELL);
			halt(sp, -1);
		}
	}
}

static void sh_end(void *ud, const char *el)
{
	struct sheet_parse *sp = ud;
	const char *n = local_name(el);
	if (sp->stop)
		return;
	if (!strcmp(n, "v")) {
		sp->in_v = false;
		if (!strcmp(sp->type, "s")) {
			sp->vbuf[sp->vlen] = '\0';
			long i = strtol(sp->vbuf, NULL, 10);
			if (i < 0 || !sp->sst || (size_t)i >= sp->sst->n) {
				set_err(sp->err, sp->errlen, "第 %lld 行：共享字符串编号无效", (long long)sp->row_no);
				halt(sp, -1);
				return;
			}
			const char *s = sp->sst->items[i];
			if (row_append(sp->b, sp->col, s, strlen(s)) != 0) {
				set_err(sp->err, sp->errlen, "第 %lld 行：单元格超过 %d 字节", (long long)sp->row_no, SHEET_MAX_CELL);
				halt(sp, -1);
			}
		}
	} else if (!strcmp(n, "f"))
		sp->in_f = false;
	else if (!strcmp(n, "t"))
		sp->in_is_t = false;
	else if (!strcmp(n, "c")) {
		if (sp->has_f && sp->col >= 0 && sp->col < sp->b->ncells)
			sp->b->formula[sp->col] = true;
		if (!strcmp(sp->type, "b") && sp->col < sp->b->ncells && sp->b->cell[sp->col]) {
			/* booleans as the words a user sees */
			const char *w = strcmp(sp->b->cell[sp->col], "1") == 0 ? "TRUE" : "FALSE";
			sp->b->len[sp->col] = 0;
			row_append(sp->b, sp->col, w, strlen(w));
		}
	} else if (!strcmp(n, "row")) {
		sp->last_row = sp->row_no;
		int v = row_emit(sp->b, sp->row_no, sp->fn, sp->ctx);
		row_reset(sp->b);
		if (v)
			halt(sp, v);
	}
}

static int read_xlsx(const char *path, sheet_row_fn fn, void *ctx, char *err, size_t errlen)
{
	unzFile z = unzOpen64(path);
	if (!z)
		return set_err(err, errlen, "不是有效的 xlsx 文件（无法作为 zip 打开）"), -1;
	int rc = 0;
	struct first_sheet fs = {0};
	struct sst sst = {0};
	struct rowbuf *b = calloc(1, sizeof *b);
	XML_Parser p = XML_ParserCreate("UTF-8");
	if (!b || !p) {
		rc = -1;
		set_err(err, errlen, "内存不足");
		goto out;
	}
	XML_SetUserData(p, &fs);
	XML_SetStartElementHandler(p, wb_start);
	if (parse_member(z, "xl/workbook.xml", p, err, errlen) != 0) {
		rc = -1;
		goto out;
	}
	XML_ParserReset(p, "UTF-8");
	fs.looking_rels = true;
	XML_SetUserData(p, &fs);
	XML_SetStartElementHandler(p, wb_start);
	if (!fs.rid[0] || parse_member(z, "xl/_rels/workbook.xml.rels", p, err, errlen) != 0 || !fs.target[0]) {
		*err = '\0';
		snprintf(fs.target, sizeof fs.target, "xl/worksheets/sheet1.xml");
	}
	if (unzLocateFile(z, "xl/sharedStrings.xml", 0) == UNZ_OK) {
		XML_ParserReset(p, "UTF-8");
		XML_SetUserData(p, &sst);
		XML_SetElementHandler(p, sst_start, sst_end);
		XML_SetCharacterDataHandler(p, sst_text);
		if (parse_member(z, "xl/sharedStrings.xml", p, err, errlen) != 0 || sst.oom) {
			if (!*err)
				set_err(err, errlen, "xlsx 共享字符串过大或内存不足");
			rc = -1;
			goto out;
		}
	}
	XML_ParserReset(p, "UTF-8");
	struct sheet_parse sp = {.p = p, .sst = &sst, .b = b, .fn = fn, .ctx = ctx, .err = err, .errlen = errlen};
	XML_SetUserData(p, &sp);
	XML_SetElementHandler(p, sh_start, sh_end);
	XML_SetCharacterDataHandler(p, sh_text);
	*err = '\0';
	rc = parse_member(z, fs.target, p, err, errlen);
	if (sp.stop)
		rc = sp.stop;
out:
	if (p)
		XML_ParserFree(p);
	if (b) {
		row_free(b);
		free(b);
	}
	sst_free(&sst);
	unzClose(z);
	return rc;
}

int sheet_read(const char *path, enum sheet_kind kind, sheet_row_fn fn, void *ctx, char *err, size_t errlen)
{
	*err = '\0';
	if (kind == SHEET_CSV)
		return read_csv(path, fn, ctx, err, errlen);
	if (kind == SHEET_XLSX)
		return read_xlsx(path, fn, ctx, err, errlen);
	set_err(err, errlen, "文件类型不支持：只接受 CSV 或 Excel（.xlsx）文件");
	return -1;
}
