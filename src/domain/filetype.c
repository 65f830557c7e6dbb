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

/* A WAVE file's first chunk after the RIFF header: the format chunk, or one of the chunks that
 * broadcast and call-centre recorders put first (JUNK padding, LIST info, bext). */
static bool wav_chunk_ok(const unsigned char *d, size_t len)
{
	static const char *const first[] = {"fmt ", "JUNK", "LIST", "bext", "fact"};
	if (len < 16)
		return false;
	for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
		if (memcmp(d + 12, first[i], 4) == 0)
			return true;
	return false;
}

/* An MPEG audio Layer III frame header (an MP3 without an ID3 tag): 11 sync bits, a version that
 * is not reserved, layer III, a bitrate index neither free-format-forbidden (15) nor 0, and a
 * sample rate that is not reserved. Random bytes that merely start with 0xFF fail this. */
static bool mp3_frame_ok(const unsigned char *d, size_t len)
{
	if (len < 4 || d[0] != 0xFF || (d[1] & 0xE0) != 0xE0)
		return false;
	unsigned version = (d[1] >> 3) & 3, layer = (d[1] >> 1) & 3, bitrate = d[2] >> 4, rate = (d[2] >> 2) & 3;
	return version != 1 && layer == 1 && bitrate != 0 && bitrate != 15 && rate != 3;
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
			return wav_chunk_ok(d, len) ? "audio/wav" : NULL;
		if (memcmp(d + 8, "WEBP", 4) == 0)
			return "image/webp";
		return NULL;
	}
	if ((starts(d, len, "ID3", 3) && len >= 4 && d[3] >= 2 && d[3] <= 4) || mp3_frame_ok(d, len))
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
