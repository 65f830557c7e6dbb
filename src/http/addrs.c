/* Address lists (see addrs.h). */
#include "http/addrs.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Parses one address (no prefix) into family and bytes. 0 or -1. */
static int parse_addr(const char *s, int *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) != 1)
		return -1;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(out, mapped, 12) == 0) {
		memmove(out, out + 12, 4);
		memset(out + 4, 0, 12);
		*family = AF_INET;
		return 0;
	}
	*family = AF_INET6;
	return 0;
}

int addrs_parse(const char *text, struct addr_list *out)
{
	memset(out, 0, sizeof *out);
	if (!text || strcmp(text, "none") == 0)
		return 0;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, ",");
		char item[80];
		const char *s = p, *e = p + n;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		p += n + (p[n] == ',');
		if (s == e)
			continue;
		if ((size_t)(e - s) >= sizeof item || out->n >= ADDRS_MAX)
			return -1;
		memcpy(item, s, (size_t)(e - s));
		item[e - s] = '\0';
		struct addr_net *a = &out->e[out->n];
		char *slash = strchr(item, '/');
		if (slash)
			*slash = '\0';
		if (parse_addr(item, &a->family, a->addr) != 0)
			return -1;
		int max = a->family == AF_INET ? 32 : 128;
		a->bits = max;
		if (slash) {
			char *end;
			long bits = strtol(slash + 1, &end, 10);
			if (!slash[1] || *end || bits < 0 || bits > max)
				return -1;
			a->bits = (int)bits;
		}
		out->n++;
	}
	return 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)whole) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool addrs_contains(const struct addr_list *l, const char *ip)
{
	int family;
	uint8_t addr[16];
	if (!ip || parse_addr(ip, &family, addr) != 0)
		return false;
	for (int i = 0; i < l->n; i++)
		if (l->e[i].family == family && prefix_equal(l->e[i].addr, addr, l->e[i].bits))
			return true;
	return false;
}
