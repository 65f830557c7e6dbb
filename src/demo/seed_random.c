/* fcms seed-demo: the deterministic random stream (xorshift64*) and what it draws — weighted
 * picks, names, resident ID numbers and phone numbers. The same --seed draws the same values in
 * the same order; callers must keep the order of their draws to keep the data of a seed. */
#include "demo/seed_internal.h"
#include "util/dates.h"
#include <assert.h>
#include <stdio.h>
#include <string.h>

uint64_t demo_rng_state;

static uint64_t rnd(void)
{
	demo_rng_state ^= demo_rng_state >> 12;
	demo_rng_state ^= demo_rng_state << 25;
	demo_rng_state ^= demo_rng_state >> 27;
	return demo_rng_state * 0x2545F4914F6CDD1DULL;
}

int demo_rnd_int(int n)
{
	return n > 0 ? (int)(rnd() % (uint64_t)n) : 0;
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

const char *demo_pick(const struct weighted *w, size_t n)
{
	assert(n > 0);
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i].weight;
	double x = rnd_unit() * total;
	for (size_t i = 0; i < n; i++) {
		if (x < w[i].weight)
			return w[i].key;
		x -= w[i].weight;
	}
	return w[n - 1].key;
}

static const char *const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
static const char *const given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华玉建国志海燕欣怡子轩浩然梓涵雨晨宇佳琪鑫磊婷颖博凯";

/* The n-th UTF-8 character of s (3-byte CJK). */
static void nth_char(const char *s, int n, char out[4])
{
	memcpy(out, s + 3 * n, 3);
	out[3] = '\0';
}

void demo_random_name(char *out, size_t n)
{
	char a[4], b[4], c[4];
	nth_char(surnames, demo_rnd_int((int)strlen(surnames) / 3), a);
	nth_char(given, demo_rnd_int((int)strlen(given) / 3), b);
	nth_char(given, demo_rnd_int((int)strlen(given) / 3), c);
	snprintf(out, n, "%s%s%s", a, b, demo_rnd_int(3) ? c : "");
}

void demo_random_id_no(const char *region, char out[19])
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	int32_t birth = ymd_add_days(19500101, demo_rnd_int(54 * 365));
	snprintf(out, 19, "%.6s%08d%03d", region, (int)birth, demo_rnd_int(1000));
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = check[sum % 11];
	out[18] = '\0';
}

void demo_random_phone(char out[12])
{
	static const char *const prefix[] = {"13", "15", "17", "18", "19"};
	snprintf(out, 12, "%s%d%08d", prefix[demo_rnd_int(5)], demo_rnd_int(10), demo_rnd_int(100000000));
}
