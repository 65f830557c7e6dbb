/* Password policy: two profiles. "dengbao" follows common 等保 practice (>= 8 characters, three
 * of four character classes, expiry 90 days, no reuse of the last 5); "asvs" follows OWASP ASVS
 * (>= 12 characters, no composition rules, no forced rotation). Pure functions. */
#ifndef FCMS_PASSWORD_POLICY_H
#define FCMS_PASSWORD_POLICY_H
#include <stdbool.h>
#include <stdint.h>

struct password_policy {
	const char *profile; /* "dengbao" | "asvs" */
	int min_length;
	int min_classes;
	int expiry_days; /* 0 = never */
	int history;     /* previous passwords that may not be reused */
};

/* Fills *out for a profile name; -1 when unknown. */
int password_policy_for(const char *profile, struct password_policy *out);
/* Checks a new password. Returns 0 when acceptable, else -1 with *reason set to a Chinese
 * sentence (static string). Length counts Unicode characters; max 128. The user name may not
 * appear in it in any letter case, and it must pass Debian's cracklib dictionary check
 * (dictionary words, reversed words, keyboard and digit sequences). Thread-safe. */
int password_check(const struct password_policy *p, const char *password, const char *username,
		   const char **reason);
/* 0 when cracklib's packed dictionary loads (package cracklib-runtime), else -1: then every
 * password is refused, so servers check it at start and say so. */
int password_dictionary_ready(void);
/* True when a password last changed at changed_at (epoch ms) is expired at now. */
bool password_expired(const struct password_policy *p, int64_t changed_at, int64_t now);

#endif
