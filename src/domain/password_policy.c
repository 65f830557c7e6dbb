/* Password rules (see password_policy.h). */
#include "domain/password_policy.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>

int password_policy_for(const char *profile, struct password_policy *out)
{
	if (profile && strcmp(profile, "dengbao") == 0) {
		*out = (struct password_policy){"dengbao", 8, 3, 90, 5};
		return 0;
	}
	if (profile && strcmp(profile, "asvs") == 0) {
		*out = (struct password_policy){"asvs", 12, 0, 0, 0};
		return 0;
	}
	return -1;
}

static int utf8_chars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* A few passwords every cracking list starts with; ASVS asks to refuse breached ones. */
static const char *const common[] = {"password", "12345678", "123456789", "1234567890",
	"qwertyuiop", "11111111", "88888888", "abc12345", "password123", "Passw0rd!", "admin123",
	"P@ssw0rd", "Aa123456", "1qaz2wsx", "qwer1234", "a1234567", "woaini1314", NULL};

int password_check(const struct password_policy *p, const char *pw, const char *username,
		   const char **reason)
{
	int chars = utf8_chars(pw);
	if (chars < p->min_length) {
		*reason = p->min_length >= 12 ? "密码长度不能少于12位" : "密码长度不能少于8位";
		return -1;
	}
	if (chars > 128) {
		*reason = "密码长度不能超过128位";
		return -1;
	}
	int lower = 0, upper = 0, digit = 0, other = 0;
	for (const unsigned char *s = (const unsigned char *)pw; *s; s++) {
		if (*s < 0x20 || *s == 0x7f) {
			*reason = "密码不能包含控制字符";
			return -1;
		}
		if (islower(*s))
			lower = 1;
		else if (isupper(*s))
			upper = 1;
		else if (isdigit(*s))
			digit = 1;
		else
			other = 1;
	}
	if (lower + upper + digit + other < p->min_classes) {
		*reason = "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类";
		return -1;
	}
	if (username && *username && strstr(pw, username)) {
		*reason = "密码不能包含用户名";
		return -1;
	}
	for (int i = 0; common[i]; i++)
		if (strcasecmp(pw, common[i]) == 0) {
			*reason = "密码过于常见，请更换";
			return -1;
		}
	return 0;
}

bool password_expired(const struct password_policy *p, int64_t changed_at, int64_t now)
{
	if (p->expiry_days <= 0 || changed_at <= 0)
		return false;
	return now - changed_at >= (int64_t)p->expiry_days * 86400000;
}
