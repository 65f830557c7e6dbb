/* The fixed permission catalogue, data scopes, the signed-in principal, and the 三员 rule.
 * Roles hold permission codes as data; the server works with a bit mask built from them. */
#ifndef FCMS_PERMISSIONS_H
#define FCMS_PERMISSIONS_H
#include "store/scope_filter.h"
#include <stdbool.h>
#include <stdint.h>

enum perm {
	P_COMPLAINT_REGISTER = 1u << 0,
	P_COMPLAINT_HANDLE = 1u << 1,
	P_COMPLAINT_REVIEW = 1u << 2,
	P_COMPLAINT_CALLBACK = 1u << 3,
	P_COMPLAINT_DELETE_APPROVE = 1u << 4,
	P_COMPLAINT_VIEW = 1u << 5,
	P_REPORT_VIEW = 1u << 6,
	P_ORG_MANAGE = 1u << 7,
	P_USER_MANAGE = 1u << 8,
	P_ROLE_MANAGE = 1u << 9,
	P_CONFIG_MANAGE = 1u << 10,
	P_AUDIT_VIEW = 1u << 11,
	P_PII_UNMASK = 1u << 12,
	P_USER_STATUS = 1u << 13,
	P_SECURITY_POLICY = 1u << 14,
	P_TOKEN_MANAGE = 1u << 15,
	P_REGULATOR_MANAGE = 1u << 16,
	P_PII_LOOKUP = 1u << 17, /* exact lookups by ID number or phone (throttled, audited) */
	P_INTEGRATION_MANAGE = 1u << 18, /* webhook subscriptions, OA link, delivery log (system family) */
	P_CALLCENTER_LOOKUP = 1u << 19,  /* call-centre screen-pop and intake (a service account) */
	P_COMPLAINT_IMPORT = 1u << 20, /* migration of historical complaints (docs/integration/import.md) */
};

struct perm_info {
	uint32_t bit;
	const char *code;  /* e.g. "org.manage" */
	const char *name;  /* Chinese label */
	const char *group; /* Chinese group label for the UI */
};
/* The catalogue, terminated by an entry with code NULL. */
extern const struct perm_info perm_catalogue[];

/* Bit for a permission code; 0 when unknown. */
uint32_t perm_from_code(const char *code);
/* Parses a space-separated list. Returns 0 and sets *mask, or -1 naming the first unknown
 * code in *bad (borrowed pointer into a static buffer of the calling thread). */
int perm_parse_list(const char *list, uint32_t *mask, const char **bad);

/* enum data_scope (SCOPE_SELF .. SCOPE_ALL) is in store/scope_filter.h: list queries filter by it. */
/* "self" | "org" | "subtree" | "all" -> scope; -1 when unknown. */
int scope_from_code(const char *code);
const char *scope_code(enum data_scope s);

/* 三员: the three separated administrator kinds. */
enum sanyuan { SANYUAN_NONE = 0, SANYUAN_SYS, SANYUAN_SEC, SANYUAN_AUDIT };
int sanyuan_from_code(const char *code); /* NULL/"" -> SANYUAN_NONE; unknown -> -1 */
/* True when the kinds of a role set (array of n values) hold two different 三员 kinds. */
bool sanyuan_conflict(const int *kinds, int n);

/* Duty families (三员 separation, docs/security.md). Every permission belongs to exactly one
 * family; a role holds permissions of one family; an account holds roles of one family. */
enum family { FAMILY_NONE = 0, FAMILY_SYSTEM, FAMILY_SECURITY, FAMILY_AUDIT, FAMILY_BUSINESS, FAMILY_MIXED };
#define PERMS_SYSTEM (P_ORG_MANAGE | P_USER_MANAGE | P_INTEGRATION_MANAGE)
#define PERMS_SECURITY (P_ROLE_MANAGE | P_USER_STATUS | P_SECURITY_POLICY | P_TOKEN_MANAGE)
#define PERMS_AUDIT (P_AUDIT_VIEW)
#define PERMS_BUSINESS                                                                             \
	(P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW | P_COMPLAINT_CALLBACK |   \
	 P_COMPLAINT_DELETE_APPROVE | P_COMPLAINT_VIEW | P_REPORT_VIEW | P_CONFIG_MANAGE |          \
	 P_PII_UNMASK | P_PII_LOOKUP | P_REGULATOR_MANAGE | P_CALLCENTER_LOOKUP | P_COMPLAINT_IMPORT)
/* Family of a permission mask: NONE for 0, MIXED when it spans two families. */
enum family perm_family(uint32_t mask);
/* Family of a role: its 三员 label ("sys"/"sec"/"audit") decides; any other role is the family
 * of its permissions (NONE when empty, MIXED when a role edited before families spans two: such
 * a role may not be granted). */
enum family role_family_of(const char *sanyuan, uint32_t perms);
/* "system" | "security" | "audit" | "business" | "none" | "mixed". */
const char *family_code(enum family f);
/* Chinese label, e.g. "安全管理". */
const char *family_name(enum family f);
/* Family of a set of role families (n values): NONE for none, MIXED when two differ. */
enum family family_of_set(const enum family *fams, int n);

/* Who is making a request. Filled by the auth layer from a session or an API token. */
struct principal {
	int64_t user_id;
	char username[64];
	char name[128];
	int64_t org_id;
	char org_path[512]; /* '/1/5/' path of the user's institution */
	uint32_t perms;
	enum data_scope scope; /* widest scope over the user's roles */
	bool must_change_password;
	bool via_token;
	char csrf[64];
	char session_hash[65];
};

/* 被投诉机构 a registrar may name: any institution under their own (the whole bank from head
 * office, or for a 全行 scope), whatever narrower scope they read with. */
bool scope_may_register(const struct principal *p, const char *org_path);

/* The one place where data scope is decided for an object: true when p may see an object that
 * belongs to the institution with path obj_org_path and (when owner_id > 0) to user owner_id. */
bool scope_allows(const struct principal *p, const char *obj_org_path, int64_t owner_id);

/* The list-query parameters (store/scope_filter.h) for what p may see. */
void scope_filter_for(const struct principal *p, struct scope_filter *out);

#endif
