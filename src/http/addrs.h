/* Address lists from the configuration (trusted_proxies, metrics_allow): comma-separated IPv4 or
 * IPv6 addresses, each optionally with a prefix length ("10.0.0.0/8", "::1", "fd00::/8"). "none"
 * or an empty text is the empty list. Pure functions, no allocation. */
#ifndef FCMS_ADDRS_H
#define FCMS_ADDRS_H
#include <stdbool.h>
#include <stdint.h>

#define ADDRS_MAX 32

struct addr_net {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; 4 bytes used for IPv4 */
	int bits;         /* prefix length */
};

struct addr_list {
	int n;
	struct addr_net e[ADDRS_MAX];
};

/* Parses text into *out. Returns 0, or -1 for a malformed entry or more than ADDRS_MAX. */
int addrs_parse(const char *text, struct addr_list *out);
/* True when the textual address ip (as inet_ntop writes it) is in the list; false for text
 * that is not an address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches as IPv4. */
bool addrs_contains(const struct addr_list *l, const char *ip);

#endif
