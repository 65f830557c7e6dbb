/* The "fcms_bigram" FTS5 tokenizer (SQLite): every two consecutive characters of the text are a
 * token, ASCII letters folded to lower case. A query's phrase of two characters is then one
 * token, and a longer one a phrase of overlapping pairs: a match is the substring, as with the
 * trigram tokenizer, which cannot find two characters at all ("年费", "盗刷", "吞卡": a scan of
 * every complaint in the range, 0.3 s for the head office's half year at 1M; issue 13). The
 * pairs of CJK text are what Lucene's CJKAnalyzer indexes. Bytes that are not UTF-8 count as one
 * character each. */
#include "store/fts_bigram.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The length of the UTF-8 character at p (n bytes left, n > 0): 1 for a byte that starts none. */
static int char_len(const unsigned char *p, int n)
{
	int len = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 1;
	if (len > n)
		return 1;
	for (int i = 1; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 1;
	return len;
}

static void fold_ascii(char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

static int bigram_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int n,
			   int (*emit)(void *ctx, int tflags, const char *token, int len, int start, int end))
{
	(void)tok;
	(void)flags;
	const unsigned char *p = (const unsigned char *)text;
	int prev = -1, prev_len = 0; /* the previous character: offset and length */
	for (int at = 0; at < n;) {
		int len = char_len(p + at, n - at);
		if (prev >= 0) {
			char pair[8];
			memcpy(pair, text + prev, (size_t)prev_len);
			memcpy(pair + prev_len, text + at, (size_t)len);
			fold_ascii(pair, prev_len + len);
			int rc = emit(ctx, 0, pair, prev_len + len, prev, at + len);
			if (rc != SQLITE_OK)
				return rc;
		}
		prev = at;
		prev_len = len;
		at += len;
	}
	return SQLITE_OK;
}

/* The tokenizer keeps no state: one object serves every table. */
static int the_tokenizer;

static int bigram_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
	(void)ctx;
	(void)args;
	if (nargs != 0)
		return SQLITE_ERROR;
	*out = (Fts5Tokenizer *)&the_tokenizer;
	return SQLITE_OK;
}

static void bigram_delete(Fts5Tokenizer *tok)
{
	(void)tok;
}

static fts5_api *fts5_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return api;
}

int fts_bigram_register(sqlite3 *db)
{
	static fts5_tokenizer methods = {bigram_create, bigram_delete, bigram_tokenize};
	fts5_api *api = fts5_of(db);
	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;
	return api->xCreateTokenizer(api, FTS_BIGRAM, NULL, &methods, NULL);
}
