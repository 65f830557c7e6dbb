/* Content sniffing for attachments (see filetype.h). */
#include "domain/filetype.h"
#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool starts(const unsigned char *d, size_t len, const char *magic, size_t n)
{
	return len >= n && memcmp(d, magic, n) == 0;
}

static bool ends_with(const char *name, const char *ext)
{
	size_t n = name ? strlen(name) : 0, e = strlen(ext);
	return n >= e && strcasecmp(name + n - e, ext) == 0;
}

const char *filetype_sniff(const unsigned char *d, size_t len, const char *name)
{
	if (starts(d, len, "%PDF-", 5))
		return "application/pdf";
	if (starts(d, len, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (starts(d, len, "\xFF\xD8\xFF", 3))
		return "image/jpeg";
	if (starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6))
		return "image/gif";
	if (starts(d, len, "BM", 2) && len > 14)
		return "image/bmp";
	if (len >= 12 && starts(d, len, "RIFF", 4)) {
		if (memcmp(d + 8, "WAVE", 4) == 0)
			return "audio/wav";
		if (memcmp(d + 8, "WEBP", 4) == 0)
			return "image/webp";
		return NULL;
	}
	if (starts(d, len, "ID3", 3) || (len >= 2 && d[0] == 0xFF && (d[1] & 0xE0) == 0xE0))
		return "audio/mpeg";
	if (starts(d, len, "#!AMR", 5))
		return "audio/amr";
	if (starts(d, len, "OggS", 4))
		return "audio/ogg";
	if (len >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
		return "audio/mp4"; /* m4a recordings; mp4 containers */
	if (starts(d, len, "PK\x03\x04", 4)) {
		if (ends_with(name, ".docx"))
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
		if (ends_with(name, ".xlsx"))
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
		if (ends_with(name, ".pptx"))
			return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
		return NULL; /* other zip archives are not allowed */
	}
	if (starts(d, len, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
		if (ends_with(name, ".doc"))
			return "application/msword";
		if (ends_with(name, ".xls"))
			return "application/vnd.ms-excel";
		return NULL;
	}
	return NULL;
}

/* Each allowed type with its extensions ("/"-separated). */
static const struct {
	const char *mime, *exts;
} extensions[] = {
	{"application/pdf", ".pdf"},
	{"image/png", ".png"},
	{"image/jpeg", ".jpg/.jpeg/.jpe"},
	{"image/gif", ".gif"},
	{"image/bmp", ".bmp"},
	{"image/webp", ".webp"},
	{"audio/wav", ".wav"},
	{"audio/mpeg", ".mp3"},
	{"audio/amr", ".amr"},
	{"audio/ogg", ".ogg/.oga/.opus"},
	{"audio/mp4", ".m4a/.mp4"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"},
	{"application/msword", ".doc"},
	{"application/vnd.ms-excel", ".xls"},
};

const char *filetype_extensions(const char *mime)
{
	for (size_t i = 0; mime && i < sizeof extensions / sizeof extensions[0]; i++)
		if (strcmp(extensions[i].mime, mime) == 0)
			return extensions[i].exts;
	return "";
}

bool filetype_name_matches(const char *mime, const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	if (!dot || !dot[1])
		return false;
	size_t n = strlen(dot);
	for (const char *e = filetype_extensions(mime); *e;) {
		const char *end = strchr(e, '/');
		size_t len = end ? (size_t)(end - e) : strlen(e);
		if (len == n && strncasecmp(e, dot, n) == 0)
			return true;
		e += len + (end ? 1 : 0);
	}
	return false;
}
