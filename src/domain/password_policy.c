/* Password rules (see password_policy.h). */
#include "domain/password_policy.h"
#include "util/dates.h"
#include <stddef.h> /* before crack.h, which uses size_t */
#include <crack.h>
#include <ctype.h>
#include <pthread.h>
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

/* cracklib's verdicts in Chinese; its messages are fixed English sentences. */
static const struct {
	const char *prefix;
	const char *reason;
} crack_reasons[] = {
	{"it is based on a dictionary word", "密码基于常见单词，容易被猜中，请更换"},
	{"it is based on a (reversed) dictionary word", "密码基于倒写的常见单词，容易被猜中，请更换"},
	{"it is too simplistic/systematic", "密码过于简单或有规律（如连续数字、键盘序列），请更换"},
	{"it does not contain enough DIFFERENT characters", "密码中不同的字符太少，请更换"},
	{"it is based on your username", "密码不能基于用户名"},
	{"it is based upon your password entry", "密码不能基于用户名"},
	{"it is derived from your password entry", "密码不能基于用户名"},
	{"it is derivable from your password entry", "密码不能基于用户名"},
	{"error loading dictionary", "密码字典不可用，暂时无法设置密码，请联系系统管理员"},
};

/* Debian's cracklib (FascistCheckUser) against its packed dictionary (cracklib-runtime). Not
 * thread-safe (static buffers), hence the lock. NULL when the password passes. A missing
 * dictionary refuses every password (fail closed) rather than letting weak ones through. */
static const char *dictionary_check(const char *pw, const char *username)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	const char *msg = FascistCheckUser(pw, GetDefaultCracklibDict(), username && *username ? username : NULL, NULL);
	const char *reason = NULL;
	if (msg) {
		reason = "密码强度不足（未通过密码字典检查），请更换";
		for (size_t i = 0; i < sizeof crack_reasons / sizeof crack_reasons[0]; i++)
			if (strncmp(msg, crack_reasons[i].prefix, strlen(crack_reasons[i].prefix)) == 0) {
				reason = crack_reasons[i].reason;
				break;
			}
	}
	pthread_mutex_unlock(&lock);
	return reason;
}

int password_dictionary_ready(void)
{
	const char *msg = dictionary_check("Fcms-dictionary-probe-7Qx!", NULL);
	return msg && strstr(msg, "字典不可用") ? -1 : 0;
}

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
	if (username && *username && strcasestr(pw, username)) {
		*reason = "密码不能包含用户名";
		return -1;
	}
	for (int i = 0; common[i]; i++)
		if (strcasecmp(pw, common[i]) == 0) {
			*reason = "密码过于常见，请更换";
			return -1;
		}
	const char *weak = dictionary_check(pw, username);
	if (weak) {
		*reason = weak;
		return -1;
	}
	return 0;
}

bool password_expired(const struct password_policy *p, int64_t changed_at, int64_t now)
{
	if (p->expiry_days <= 0 || changed_at <= 0)
		return false;
	return now - changed_at >= p->expiry_days * MS_PER_DAY;
}
