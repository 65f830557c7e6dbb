/* The bank's full name for the closure form (see bank_name.h). */
#include "domain/bank_name.h"
#include "store/store.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define KEY "bank_name"
#define HQ "总行"

/* Length of the blank (ASCII space, U+3000) at s, 0 when none. */
static size_t blank_at(const char *s)
{
	if (*s == ' ')
		return 1;
	return strncmp(s, "\xe3\x80\x80", 3) == 0 ? 3 : 0;
}

/* Copies s without leading and trailing blanks into out (n bytes; s fits). */
static void trim_into(const char *s, char *out, size_t n)
{
	size_t k;
	while ((k = blank_at(s)) > 0)
		s += k;
	size_t len = strlen(s), end = 0;
	for (size_t i = 0; i < len;) {
		k = blank_at(s + i);
		i += k ? k : 1;
		if (!k)
			end = i;
	}
	snprintf(out, n, "%.*s", (int)end, s);
}

int bank_name_normalize(const char *in, char *out, struct refusal *e)
{
	out[0] = '\0';
	if (strlen(in) >= BANK_NAME_BUF)
		return refusef(e, 400, "invalid_field", "bank_name", "机构全称不能超过%d个字符", BANK_NAME_MAX);
	for (const char *p = in; *p; p++)
		if ((unsigned char)*p < 0x20) /* a name is one line: no tab or line break either */
			return refuse(e, 400, "invalid_field", "机构全称只能是一行文字，不能包含换行符或制表符", "bank_name");
	trim_into(in, out, BANK_NAME_BUF);
	if (!out[0])
		return refuse(e, 400, "invalid_field", "机构全称不能为空", "bank_name");
	return 0;
}

/* The root institution's name without a trailing 总行. */
static int fallback(struct db *d, char *out, size_t n)
{
	int64_t root;
	json_t *org = NULL;
	out[0] = '\0';
	int rc = store_org_root_id(d, &root);
	if (rc == 1)
		rc = store_org_get(d, root, &org);
	if (rc <= 0)
		return rc;
	trim_into(json_string_value(json_object_get(org, "name")) ?: "", out, n);
	json_decref(org);
	size_t len = strlen(out), hq = strlen(HQ);
	if (len >= hq && strcmp(out + len - hq, HQ) == 0) {
		out[len - hq] = '\0';
		char rest[BANK_NAME_BUF];
		trim_into(out, rest, sizeof rest);
		snprintf(out, n, "%s", rest);
	}
	return 0;
}

int bank_name_get(struct db *d, struct bank_name *out)
{
	memset(out, 0, sizeof *out);
	int rc = store_setting_get(d, KEY, out->stored, sizeof out->stored);
	if (rc < 0 || (rc = fallback(d, out->fallback, sizeof out->fallback)) < 0)
		return rc;
	snprintf(out->name, sizeof out->name, "%s", out->stored[0] ? out->stored : out->fallback);
	return 0;
}

int bank_name_save(struct db *d, const char *name)
{
	int rc = store_setting_set(d, KEY, name);
	return rc < 0 ? rc : 0;
}
