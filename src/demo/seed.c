/* fcms seed-demo: a realistic bank for demonstrations, tests at scale and benchmarks — a head
 * office, 10 provincial branches, 60 city branches and 400 sub-branches on real GB/T 2260
 * regions, users for every role, and complaints over two years with the distributions seen in
 * published figures (domain README §7: business types led by debit and credit cards, causes led
 * by rules and processes), realistic states, replies, extensions and callbacks, and timelines in
 * the audit chain for the most recent ones. Deterministic for a given --seed and --until. */
#include "demo/seed.h"
#include "domain/audit.h"
#include "domain/complaint.h"
#include "domain/pii.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic randomness (xorshift64*) ---- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}
static int rnd_int(int n)
{
	return n > 0 ? (int)(rnd() % (uint64_t)n) : 0;
}
static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

struct weighted {
	const char *key;
	double weight;
};
static const char *pick(const struct weighted *w, size_t n)
{
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
#define PICK(arr) pick(arr, sizeof arr / sizeof arr[0])

static const struct weighted channels[] = {
	{"phone", 45}, {"onsite", 20}, {"internet", 15}, {"letter", 3}, {"email", 2},
	{"pboc_transfer", 6}, {"nfra_transfer", 6}, {"petition", 1}, {"media", 1}, {"other", 1}};
/* Business type (B) by the shares of a large bank's 2025 disclosure. */
static const struct weighted btypes[] = {
	{"B0301", 33.6}, {"B0302", 29.1}, {"B02", 14.3}, {"B05", 5.3}, {"B12", 3.1}, {"B07", 2.8},
	{"B01", 1.3}, {"B10", 1.3}, {"B11", 1.1}, {"B09", 0.8}, {"B08", 0.6}, {"B06", 0.4},
	{"B04", 0.04}, {"B13", 0.02}, {"B99", 6.1}};
static const struct weighted causes[] = {
	{"C03", 73.4}, {"C07", 8.6}, {"C02", 5.6}, {"C01", 4.0}, {"C12", 3.3}, {"C05", 2.2}, {"C10", 1.2},
	{"C04", 1.1}, {"C06", 0.15}, {"C08", 0.15}, {"C09", 0.1}, {"C11", 0.1}, {"C99", 0.1}};
static const struct weighted achannels[] = {
	{"A0101", 30}, {"A0103", 45}, {"A0102", 8}, {"A0104", 5}, {"A0199", 2}, {"A02", 10}};

static const char *const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
static const char *const given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华玉建国志海燕欣怡子轩浩然梓涵雨晨宇佳琪鑫磊婷颖博凯";

/* The n-th UTF-8 character of s (3-byte CJK). */
static void nth_char(const char *s, int n, char out[4])
{
	memcpy(out, s + 3 * n, 3);
	out[3] = '\0';
}

static void random_name(char *out, size_t n)
{
	char a[4], b[4], c[4];
	nth_char(surnames, rnd_int((int)strlen(surnames) / 3), a);
	nth_char(given, rnd_int((int)strlen(given) / 3), b);
	nth_char(given, rnd_int((int)strlen(given) / 3), c);
	snprintf(out, n, "%s%s%s", a, b, rnd_int(3) ? c : "");
}

static void random_id_no(const char *region, char out[19])
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	int32_t birth = ymd_add_days(19500101, rnd_int(54 * 365));
	snprintf(out, 19, "%.6s%08d%03d", region, (int)birth, rnd_int(1000));
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = check[sum % 11];
	out[18] = '\0';
}

static void random_phone(char out[12])
{
	static const char *const prefix[] = {"13", "15", "17", "18", "19"};
	snprintf(out, 12, "%s%d%08d", prefix[rnd_int(5)], rnd_int(10), rnd_int(100000000));
}

/* Problem statements by business type prefix: no personal data in free text. */
static const struct {
	const char *prefix;
	const char *const problems[6];
} problems[] = {
	{"B0302", {"信用卡年费未经同意被收取", "信用卡分期手续费计算不透明", "信用卡额度被无故降低",
		   "按时还款后仍被计收利息", "信用卡积分兑换失败且客服无法解释", "信用卡盗刷交易未及时处理"}},
	{"B0301", {"借记卡账户被冻结无法正常使用", "对小额账户管理费扣收有异议", "自助机吞卡后长时间未处理",
		   "跨行取款手续费收取标准不清", "借记卡挂失补卡流程繁琐", "账户被盗刷后银行处理迟缓"}},
	{"B02", {"提前还款被收取违约金", "贷款利率调整未提前告知", "房贷审批时间过长影响交易",
		 "征信记录有误影响贷款申请", "贷款合同条款未充分说明", "还款日扣款失败产生逾期"}},
	{"B05", {"转账汇款延迟到账", "手机银行支付失败但已扣款", "开户申请被拒且未说明原因",
		 "网银转账限额调整未通知", "跨行汇款手续费高于公示标准", "账户销户手续繁琐"}},
	{"B12", {"催收电话频繁打扰家人和同事", "催收人员言语不当", "催收短信内容带有威胁",
		 "委托第三方催收未告知", "非工作时间频繁催收", "对欠款金额计算有异议"}},
	{"B07", {"结售汇额度查询结果不准确", "境外汇款手续费过高", "外币兑换牌价显示不一致",
		 "外汇账户开立材料要求不明确", "境外汇款退回原因未告知", "外币存款利率说明不清"}},
};
static const char *const generic_problems[] = {"业务办理时间过长", "工作人员解释不清", "收费标准未公示",
					       "系统故障导致业务失败", "营业网点排队时间过长", "产品风险提示不充分"};
static const char *const openers[] = {"客户来电反映，", "客户到网点反映，", "客户通过手机银行反映，",
				      "客户来信反映，", "监管部门转来投诉，反映", "客户称"};
static const char *const details[] = {"多次联系未得到解决", "认为侵害了其合法权益", "对处理结果不满意",
				      "影响了正常生活", "要求银行给予合理解释", "已持续较长时间"};
static const char *const demands[] = {"要求退还相关费用", "要求银行解释说明并改正", "要求赔偿损失",
				      "要求更正征信记录", "要求停止骚扰", "要求尽快办理"};

static const char *problem_for(const char *btype)
{
	for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++)
		if (strncmp(btype, problems[i].prefix, strlen(problems[i].prefix)) == 0)
			return problems[i].problems[rnd_int(6)];
	return generic_problems[rnd_int(6)];
}

/* ---- base data in memory ---- */

struct leafset {
	char prefix[8];
	char (*codes)[16];
	int n;
};

struct demo_org {
	int64_t id;
	char code[24];
	char region[8];
	char path[64];
	int64_t handler, registrar;
	int level;  /* 0 head office, 1 province, 2 city, 3 sub-branch */
	int parent; /* index in demo.orgs of the parent (0 for head office and provinces' own) */
};

struct demo {
	struct db *d;
	int64_t until; /* end of the window, epoch ms */
	struct demo_org *orgs;
	int norgs;
	int64_t reviewer, reviewer2;
	struct leafset leaves[64];
	int nleaves;
	char rights_for[16][32]; /* suggested rights by C code index */
	char password_hash[128];
	struct {
		char prefix[40];
		int last;
	} *numbers;
	size_t nnumbers, capnumbers;
};

static int load_leaves(struct demo *dm, const struct weighted *w, size_t n, const char *dim)
{
	json_t *items;
	int rc = store_codes_list(dm->d, dim, "2024-01-01", &items);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n; k++) {
		struct leafset *ls = &dm->leaves[dm->nleaves++];
		snprintf(ls->prefix, sizeof ls->prefix, "%s", w[k].key);
		ls->codes = calloc(json_array_size(items) + 1, sizeof *ls->codes);
		size_t i, j;
		json_t *c, *o;
		json_array_foreach(items, i, c)
		{
			const char *code = json_string_value(json_object_get(c, "code"));
			if (strncmp(code, ls->prefix, strlen(ls->prefix)) != 0)
				continue;
			bool leaf = true;
			json_array_foreach(items, j, o)
				if (strcmp(json_string_value(json_object_get(o, "parent")), code) == 0)
					leaf = false;
			if (leaf)
				snprintf(ls->codes[ls->n++], 16, "%s", code);
		}
	}
	json_decref(items);
	return 0;
}

static const char *leaf_of(struct demo *dm, const char *prefix)
{
	for (int i = 0; i < dm->nleaves; i++)
		if (strcmp(dm->leaves[i].prefix, prefix) == 0 && dm->leaves[i].n)
			return dm->leaves[i].codes[rnd_int(dm->leaves[i].n)];
	return prefix;
}

/* ---- institutions and users ---- */

static const struct {
	const char *region, *code, *name;
} provinces[] = {
	{"110000", "BJ", "北京市分行"}, {"310000", "SH", "上海市分行"}, {"440000", "GD", "广东省分行"},
	{"320000", "JS", "江苏省分行"}, {"330000", "ZJ", "浙江省分行"}, {"370000", "SD", "山东省分行"},
	{"510000", "SC", "四川省分行"}, {"420000", "HB", "湖北省分行"}, {"410000", "HA", "河南省分行"},
	{"350000", "FJ", "福建省分行"},
};

static int add_user(struct demo *dm, const char *username, const char *name, int64_t org, const char *role,
		    int64_t *id)
{
	struct user_auth ua;
	int rc = store_user_auth(dm->d, username, &ua);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*id = ua.id;
		return 0;
	}
	int64_t role_id;
	if ((rc = store_role_id(dm->d, role, &role_id)) != 1)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = store_user_insert(dm->d, username, name, org, "", "", dm->password_hash, false, now_ms(), id)) < 0 ||
	    (rc = store_user_set_must_change(dm->d, *id, false)) < 0)
		return rc;
	return store_user_set_roles(dm->d, *id, &role_id, 1);
}

static int add_org(struct demo *dm, int64_t parent, const char *code, const char *name, const char *region,
		   const char *type, int level, struct demo_org *out)
{
	struct org_fields f = {.name = name, .internal_code = code, .region_code = region, .type = type, .address = ""};
	char fin[32];
	/* 14 characters: a bank prefix, level, region and a sequence. */
	snprintf(fin, sizeof fin, "B001%d%.6s%03d", level % 10, region, dm->norgs % 1000);
	f.fin_code = fin;
	int64_t id;
	int rc = store_org_insert(dm->d, parent, &f, now_ms(), &id);
	if (rc < 0)
		return rc;
	json_t *org;
	if ((rc = store_org_get(dm->d, id, &org)) != 1)
		return rc < 0 ? rc : DB_HARD;
	*out = (struct demo_org){.id = id, .level = level};
	snprintf(out->code, sizeof out->code, "%s", code);
	snprintf(out->region, sizeof out->region, "%s", region);
	snprintf(out->path, sizeof out->path, "%s", json_string_value(json_object_get(org, "path")));
	json_decref(org);
	return 0;
}

/* Picks region children: prefectures of a province, or counties of a prefecture. */
static json_t *children(struct demo *dm, const char *parent, int level)
{
	json_t *items = NULL, *out = json_array();
	store_regions_list(dm->d, parent, &items);
	size_t i;
	json_t *r;
	json_array_foreach(items, i, r)
		if (json_integer_value(json_object_get(r, "level")) == level)
			json_array_append(out, r);
	json_decref(items);
	return out;
}

static int build_bank(struct demo *dm)
{
	int64_t root;
	int rc = store_org_root_id(dm->d, &root);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	json_t *o;
	if ((rc = store_org_get(dm->d, root, &o)) != 1)
		return rc < 0 ? rc : DB_HARD;
	struct demo_org *hq = &dm->orgs[dm->norgs++];
	*hq = (struct demo_org){.id = root, .level = 0};
	snprintf(hq->code, sizeof hq->code, "%s", json_string_value(json_object_get(o, "internal_code")));
	snprintf(hq->region, sizeof hq->region, "%s", json_string_value(json_object_get(o, "region_code")));
	snprintf(hq->path, sizeof hq->path, "%s", json_string_value(json_object_get(o, "path")));
	json_decref(o);
	if ((rc = add_user(dm, "xiaobao1", "周消保", root, "reviewer", &dm->reviewer)) < 0 ||
	    (rc = add_user(dm, "xiaobao2", "吴消保", root, "reviewer", &dm->reviewer2)) < 0 ||
	    (rc = add_user(dm, "tongji", "郑统计", root, "statistician", &hq->registrar)) < 0 ||
	    (rc = add_user(dm, "lingdao", "王行长", root, "manager", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "anquan", "钱安全", root, "sec_admin", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "shenji", "孙审计", root, "audit_admin", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "hq_handler", "赵处理", root, "handler", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "hq_registrar", "钱受理", root, "registrar", &hq->registrar)) < 0)
		return rc;
	for (size_t p = 0; p < sizeof provinces / sizeof provinces[0]; p++) {
		char code[24], uname[48], name[32];
		snprintf(code, sizeof code, "%s00", provinces[p].code);
		struct demo_org *prov = &dm->orgs[dm->norgs];
		if ((rc = add_org(dm, root, code, provinces[p].name, provinces[p].region, "branch", 1, prov)) < 0)
			return rc;
		dm->norgs++;
		snprintf(uname, sizeof uname, "%s_handler", code);
		random_name(name, sizeof name);
		if ((rc = add_user(dm, uname, name, prov->id, "handler", &prov->handler)) < 0)
			return rc;
		snprintf(uname, sizeof uname, "%s_registrar", code);
		random_name(name, sizeof name);
		if ((rc = add_user(dm, uname, name, prov->id, "registrar", &prov->registrar)) < 0)
			return rc;
		/* Six cities per province (districts for a municipality), 6–7 sub-branches each. */
		json_t *cities = children(dm, provinces[p].region, 2);
		bool municipality = json_array_size(cities) == 0;
		if (municipality) {
			json_decref(cities);
			cities = children(dm, provinces[p].region, 3);
		}
		for (int c = 0; c < 6 && c < (int)json_array_size(cities); c++) {
			json_t *city = json_array_get(cities, (size_t)c);
			const char *cregion = json_string_value(json_object_get(city, "code"));
			char cname[96];
			snprintf(cname, sizeof cname, "%s%s", json_string_value(json_object_get(city, "name")),
				 municipality ? "支行" : "分行");
			snprintf(code, sizeof code, "%s%02d", provinces[p].code, c + 1);
			struct demo_org *co = &dm->orgs[dm->norgs];
			if ((rc = add_org(dm, prov->id, code, cname, cregion, municipality ? "sub_branch" : "branch", 2, co)) < 0) {
				json_decref(cities);
				return rc;
			}
			dm->norgs++;
			snprintf(uname, sizeof uname, "%s_handler", code);
			random_name(name, sizeof name);
			if ((rc = add_user(dm, uname, name, co->id, "handler", &co->handler)) < 0 ||
			    (snprintf(uname, sizeof uname, "%s_registrar", code), random_name(name, sizeof name),
			     rc = add_user(dm, uname, name, co->id, "registrar", &co->registrar)) < 0) {
				json_decref(cities);
				return rc;
			}
			json_t *counties = municipality ? json_array() : children(dm, cregion, 3);
			int subs = 6 + (c % 3 == 0);
			for (int s = 0; s < subs; s++) {
				json_t *county = json_array_get(counties, (size_t)s % (json_array_size(counties) ? json_array_size(counties) : 1));
				const char *sregion = county ? json_string_value(json_object_get(county, "code")) : cregion;
				static const char *const streets[] = {"人民路", "解放路", "中山路", "建设路", "新华路", "和平路", "文化路"};
				char sname[128], scode[24];
				snprintf(sname, sizeof sname, "%s%s支行",
					 county ? json_string_value(json_object_get(county, "name")) : json_string_value(json_object_get(city, "name")),
					 streets[s % 7]);
				snprintf(scode, sizeof scode, "%s%02d%02d", provinces[p].code, c + 1, s + 1);
				struct demo_org *so = &dm->orgs[dm->norgs];
				if ((rc = add_org(dm, co->id, scode, sname, sregion, municipality ? "outlet" : "sub_branch", 3, so)) < 0) {
					json_decref(counties);
					json_decref(cities);
					return rc;
				}
				/* Every sub-branch has its own handler and registrar: the to-do of a bank's
				 * day is spread over hundreds of desks, not a few city ones. */
				char hname[48], rname[48];
				snprintf(hname, sizeof hname, "%s_handler", scode);
				snprintf(rname, sizeof rname, "%s_registrar", scode);
				random_name(name, sizeof name);
				if ((rc = add_user(dm, hname, name, so->id, "handler", &so->handler)) < 0 ||
				    (random_name(name, sizeof name),
				     rc = add_user(dm, rname, name, so->id, "registrar", &so->registrar)) < 0) {
					json_decref(counties);
					json_decref(cities);
					return rc;
				}
				so->parent = dm->norgs - 1 - s; /* the city branch, added just before them */
				dm->norgs++;
			}
			json_decref(counties);
		}
		json_decref(cities);
	}
	return 0;
}

/* ---- complaints ---- */

/* Per-institution sequence numbers of the day being generated (complaints come in date order). */
struct numbering {
	int32_t day;
	int *last; /* by org index */
};

static int next_number(struct demo *dm, struct numbering *nb, int org, int32_t day)
{
	if (day != nb->day) {
		memset(nb->last, 0, (size_t)dm->norgs * sizeof *nb->last);
		nb->day = day;
	}
	return ++nb->last[org];
}

struct gen_ctx {
	struct demo *dm;
	struct numbering *nb;
	int64_t first, count, total;
	int64_t span_ms, start_ms;
	int64_t timelines_from; /* index from which complaints get audit timelines */
	int64_t written;
	/* The generator's state before the batch, so a retried batch regenerates the same rows with
	 * the same numbers (set by the caller before each db_tx). */
	uint64_t rng0;
	int32_t day0;
	int *last0; /* copy of nb->last */
};

static void set_s(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}
static void set_i(json_t *o, const char *k, int64_t v)
{
	json_object_set_new(o, k, json_integer(v));
}

/* Appends a timeline event as the user who took the action. */
static int event(struct db *d, int64_t at, int64_t actor, const char *action, int64_t complaint, json_t *detail)
{
	char tid[24], actor_name[24];
	snprintf(tid, sizeof tid, "%lld", (long long)complaint);
	snprintf(actor_name, sizeof actor_name, "user%lld", (long long)actor);
	struct audit_event ev = {.at = at, .actor_id = actor, .actor = actor_name, .ip = "10.1.0.1",
				 .action = action, .target_type = "complaint", .target_id = tid, .result = "ok",
				 .detail = detail};
	int rc = audit_append(d, &ev);
	json_decref(detail);
	return rc;
}

static int gen_one(struct gen_ctx *g, int64_t index)
{
	struct demo *dm = g->dm;
	struct db *d = dm->d;
	/* Receipt times spread over the window in order, in office hours mostly. */
	int64_t base = g->start_ms + (int64_t)((double)g->span_ms * (double)index / (double)g->total);
	int32_t day = ymd_from_ms(base, CN_TZ_OFFSET_MIN);
	int hour = rnd_int(10) < 8 ? 9 + rnd_int(9) : rnd_int(24);
	int64_t received = ymd_start_ms(day, CN_TZ_OFFSET_MIN) +
			   ((int64_t)hour * 3600 + rnd_int(3600)) * 1000;
	if (received > dm->until)
		received = dm->until - rnd_int(3600) * 1000;
	/* The complained institution: mostly a sub-branch. */
	int oi;
	int roll = rnd_int(100);
	do
		oi = 1 + rnd_int(dm->norgs - 1);
	while ((roll < 70 && dm->orgs[oi].level != 3) || (roll >= 70 && roll < 90 && dm->orgs[oi].level != 2) ||
	       (roll >= 90 && dm->orgs[oi].level != 1));
	struct demo_org *org = &dm->orgs[oi];
	const char *channel = PICK(channels);
	bool at_counter = strcmp(channel, "onsite") == 0 || strcmp(channel, "letter") == 0;
	int reg_index = at_counter ? oi : 0; /* others come in through head office's call centre */
	struct demo_org *reg = &dm->orgs[reg_index];
	const char *btype = leaf_of(dm, PICK(btypes));
	const char *cause = leaf_of(dm, PICK(causes));
	const char *achan = leaf_of(dm, PICK(achannels));

	json_t *rec = json_object();
	char buf[600], name[32], idno[19], phone[12];
	int32_t rday = ymd_from_ms(received, CN_TZ_OFFSET_MIN);
	snprintf(buf, sizeof buf, "%s-%08d-%05d", reg->code, (int)rday, next_number(dm, g->nb, reg_index, rday));
	set_s(rec, "complaint_no", buf);
	set_i(rec, "registrar_id", reg->registrar ? reg->registrar : org->registrar);
	set_i(rec, "registrar_org_id", reg->id);
	set_s(rec, "source_channel", channel);
	set_i(rec, "received_at", received);
	set_i(rec, "registered_at", received + (5 + rnd_int(55)) * 60000);
	set_i(rec, "complained_org_id", org->id);
	set_i(rec, "handling_org_id", org->id);
	set_s(rec, "org_path", org->path);
	set_s(rec, "region_code", org->region);
	set_s(rec, "business_channel_code", achan);
	set_s(rec, "business_type_code", btype);
	set_s(rec, "cause_code", cause);
	int ci = atoi(cause + 1);
	set_s(rec, "rights", ci > 0 && ci < 16 ? dm->rights_for[ci] : "");
	snprintf(buf, sizeof buf, "%s%s，%s。", openers[rnd_int(6)], problem_for(btype), details[rnd_int(6)]);
	set_s(rec, "content", buf);
	set_s(rec, "demand", demands[rnd_int(6)]);
	if (rnd_int(10) < 6)
		set_i(rec, "amount_fen", (int64_t)(100 + rnd_int(100) * rnd_int(100) * rnd_int(50)) * 100);
	else
		json_object_set_new(rec, "amount_fen", json_null());
	char tags[64] = "";
	if (strstr(channel, "transfer"))
		strcat(tags, "regulator");
	if (!strcmp(channel, "media"))
		strcat(tags, *tags ? " media" : "media");
	if (rnd_int(100) < 5)
		strcat(tags, *tags ? " repeat" : "repeat");
	set_s(rec, "tags", tags);
	if (strstr(channel, "transfer") || !strcmp(channel, "petition")) {
		snprintf(buf, sizeof buf, "%s%08d", !strcmp(channel, "pboc_transfer") ? "RH" : "JG", rnd_int(100000000));
		set_s(rec, "external_no", buf);
	}
	/* Identity: sealed, indexed, masked — exactly as intake does it. */
	random_name(name, sizeof name);
	random_id_no(org->region, idno);
	random_phone(phone);
	json_t *input = json_pack("{s:{s:s, s:s, s:s, s:s}}", "complainant", "name", name, "id_type", "01", "id_no",
				  idno, "phone", phone);
	struct refusal e;
	set_s(rec, "complainant_masked", "{}");
	set_s(rec, "day_type", "calendar");
	int rc = complaint_apply_input(d, input, rec, &e);
	json_decref(input);
	if (rc != 0) {
		json_decref(rec);
		return rc < 0 ? rc : DB_HARD;
	}
	/* Where it stands now depends on its age. */
	int64_t age_days = (dm->until - received) / MS_PER_DAY;
	int r = rnd_int(1000);
	const char *status;
	/* A working day's shape: most of what came in this fortnight is open, little of last month,
	 * a sliver of older (extended to 60 days), and a few stuck long past their deadline — about 2 %
	 * open in all, a fifth of it overdue. r is in tenths of a percent. */
	if (age_days < 1)
		status = r < 500 ? "registered" : "processing";
	else if (age_days < 15)
		status = r < 30 ? "registered" : r < 480 ? "processing" : r < 580 ? "reviewing" : r < 730 ? "replied" : r < 980 ? "closed" : "withdrawn";
	else if (age_days < 30)
		status = r < 80 ? "processing" : r < 110 ? "reviewing" : r < 170 ? "replied" : r < 980 ? "closed" : "withdrawn";
	else if (age_days < 60)
		status = r < 15 ? "processing" : r < 25 ? "replied" : r < 980 ? "closed" : "withdrawn";
	else
		status = r < 2 ? "processing" : r < 980 ? "closed" : "withdrawn";
	int reply_day = rnd_int(100) < 80 ? 2 + rnd_int(12) : rnd_int(100) < 75 ? 15 + rnd_int(14) : 29 + rnd_int(26);
	if (reply_day > age_days)
		reply_day = (int)age_days;
	int allowed = reply_day < 15 ? 15 : reply_day < 29 ? 30 : 60;
	if (reply_day >= 15 && rnd_int(100) < 12)
		allowed = reply_day < 29 ? 15 : 30; /* replied late: no (or not enough) extension */
	set_i(rec, "due_at", ymd_end_ms(ymd_add_days(rday, allowed), CN_TZ_OFFSET_MIN));
	set_i(rec, "allowed_days", allowed);
	set_i(rec, "extension_count", allowed == 15 ? 0 : allowed == 30 ? 1 : 2);
	set_i(rec, "transfer_count", rnd_int(100) < 3 ? 1 : 0);
	set_i(rec, "clock_restarts", 0);
	set_i(rec, "clock_start_at", received);
	set_s(rec, "status", status);
	/* Mostly the complained institution's own desk; a fifth of a sub-branch's go up to its city
	 * branch (complex cases), as do those of a desk without a handler. */
	int64_t handler = org->handler ? org->handler : dm->orgs[0].handler;
	if (org->level == 3 && (rnd_int(5) == 0 || !org->handler) && dm->orgs[org->parent].handler)
		handler = dm->orgs[org->parent].handler;
	bool assigned = strcmp(status, "registered") && strcmp(status, "withdrawn");
	if (assigned)
		set_i(rec, "handler_id", handler);
	bool replied = !strcmp(status, "reviewing") || !strcmp(status, "replied") || !strcmp(status, "closed");
	int64_t replied_at = received + reply_day * MS_PER_DAY + rnd_int(8 * 3600) * 1000;
	if (replied_at > dm->until)
		replied_at = dm->until - rnd_int(3600) * 1000;
	static const struct weighted results[] = {{"accepted", 35}, {"partially_accepted", 25}, {"not_accepted", 15}, {"explained", 25}};
	if (replied) {
		const char *res = PICK(results);
		set_s(rec, "reply_result", res);
		set_s(rec, "reply_content", "经调查核实，已向客户说明处理依据和结果，并告知其可申请核查、调解、仲裁或诉讼。");
		set_i(rec, "compensation_fen", strstr(res, "accepted") && strcmp(res, "not_accepted") ? rnd_int(2000) * 100 : 0);
		set_i(rec, "replied_at", replied_at);
		if (reply_day > 15)
			set_s(rec, "late_reason", "案情复杂，需调取交易记录并与第三方机构核实");
	}
	int64_t closed_at = replied_at + (1 + rnd_int(3)) * MS_PER_DAY;
	if (!strcmp(status, "closed")) {
		if (closed_at > dm->until)
			closed_at = dm->until;
		int sat = rnd_int(100);
		set_s(rec, "callback_satisfaction", sat < 78 ? "satisfied" : sat < 96 ? "basically_satisfied" : "unsatisfied");
		set_s(rec, "callback_note", sat < 96 ? "电话回访，客户认可处理结果" : "电话回访，客户对处理结果仍有异议，已告知其他救济途径");
		set_i(rec, "callback_at", closed_at);
		set_i(rec, "closed_at", closed_at);
	}
	if (!strcmp(status, "withdrawn"))
		set_i(rec, "withdrawn_at", received + rnd_int(5) * MS_PER_DAY + MS_PER_HOUR);
	set_s(rec, "sync_status", "unsent");
	set_i(rec, "version", 1 + (assigned ? 1 : 0) + (replied ? 1 : 0) + (!strcmp(status, "closed") ? 2 : 0));
	set_i(rec, "created_at", received);
	set_i(rec, "updated_at", !strcmp(status, "closed") ? closed_at : replied ? replied_at : received);
	struct complaint_settings cfg;
	complaint_settings_defaults(&cfg);
	if ((rc = complaint_update_deadline(d, rec, &cfg, dm->until)) < 0) {
		json_decref(rec);
		return rc;
	}
	int64_t id;
	rc = store_complaint_insert(d, rec, &id);
	if (rc == 0 && index >= g->timelines_from) {
		int64_t registrar = json_integer_value(json_object_get(rec, "registrar_id"));
		rc = event(d, received, registrar, "complaint.register", id, json_pack("{s:s}", "source_channel", channel));
		if (rc == 0 && assigned)
			rc = event(d, received + 3600000, dm->reviewer, "complaint.assign", id,
				   json_pack("{s:{s:I}}", "params", "user_id", (json_int_t)handler));
		if (rc == 0 && allowed > 15 && replied)
			rc = event(d, received + 10 * MS_PER_DAY, dm->reviewer, "complaint.approve_extension", id,
				   json_pack("{s:i}", "allowed_days", allowed));
		if (rc == 0 && replied)
			rc = event(d, replied_at, handler, "complaint.reply", id, json_pack("{s:O}", "result", json_object_get(rec, "reply_result")));
		if (rc == 0 && (!strcmp(status, "replied") || !strcmp(status, "closed")))
			rc = event(d, replied_at + 7200000, dm->reviewer2, "complaint.approve_reply", id, NULL);
		if (rc == 0 && !strcmp(status, "closed"))
			rc = event(d, closed_at, dm->reviewer2, "complaint.callback", id,
				   json_pack("{s:O}", "satisfaction", json_object_get(rec, "callback_satisfaction")));
	}
	json_decref(rec);
	return rc;
}

static int gen_tx(struct db *d, void *arg)
{
	struct gen_ctx *g = arg;
	/* a retried batch starts from the same state, so it regenerates the same rows */
	rng_state = g->rng0;
	g->nb->day = g->day0;
	memcpy(g->nb->last, g->last0, (size_t)g->dm->norgs * sizeof *g->last0);
	for (int64_t i = 0; i < g->count; i++) {
		int rc = gen_one(g, g->first + i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int bank_tx(struct db *d, void *arg)
{
	struct demo *dm = arg;
	dm->norgs = 0; /* a retried transaction builds the list again */
	return build_bank(dm);
}

static int numbers_tx(struct db *d, void *arg)
{
	struct gen_ctx *g = arg;
	struct demo *dm = g->dm;
	for (int o = 0; o < dm->norgs; o++) {
		if (!g->nb->last[o])
			continue;
		char prefix[64];
		snprintf(prefix, sizeof prefix, "%s-%08d", dm->orgs[o].code, (int)g->nb->day);
		for (int k = 0; k < g->nb->last[o]; k++) {
			int64_t seq;
			int rc = store_complaint_next_no(d, prefix, &seq);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int demo_seed(struct db *d, const struct demo_options *opt)
{
	struct demo dm = {.d = d};
	rng_state = opt->seed ? opt->seed * 0x9E3779B97F4A7C15ULL + 1 : 88172645463325252ULL;
	dm.until = opt->until ? opt->until : now_ms();
	int64_t existing = 0;
	struct scope_filter all = {.kind = SCOPE_ALL};
	struct complaint_filter f = {.limit = 1};
	json_t *items;
	if (store_complaint_list(d, &all, &f, &items, &existing, NULL) < 0)
		return -1;
	json_decref(items);
	if (existing > 0) {
		fprintf(stderr, "seed-demo: the database already has complaints; use a new data directory\n");
		return -1;
	}
	dm.orgs = calloc(600, sizeof *dm.orgs);
	if (!dm.orgs || crypto_password_hash(opt->password, dm.password_hash) != 0)
		return -1;
	int rc = db_tx(d, true, bank_tx, &dm);
	if (rc == 0)
		rc = load_leaves(&dm, btypes, sizeof btypes / sizeof btypes[0], "B");
	if (rc == 0)
		rc = load_leaves(&dm, causes, sizeof causes / sizeof causes[0], "C");
	if (rc == 0)
		rc = load_leaves(&dm, achannels, sizeof achannels / sizeof achannels[0], "A");
	json_t *ccodes = NULL;
	if (rc == 0 && (rc = store_codes_list(d, "C", "2024-01-01", &ccodes)) == 0) {
		size_t i;
		json_t *c;
		json_array_foreach(ccodes, i, c)
		{
			int ci = atoi(json_string_value(json_object_get(c, "code")) + 1);
			if (ci > 0 && ci < 16)
				snprintf(dm.rights_for[ci], sizeof dm.rights_for[ci], "%s",
					 json_string_value(json_object_get(c, "suggest_rights")));
		}
	}
	json_decref(ccodes);
	struct numbering nb = {.day = 0, .last = calloc((size_t)dm.norgs + 1, sizeof(int))};
	struct gen_ctx g = {.dm = &dm, .nb = &nb, .total = opt->complaints, .span_ms = 730 * MS_PER_DAY,
			    .timelines_from = opt->complaints - opt->timelines,
			    .last0 = calloc((size_t)dm.norgs + 1, sizeof(int))};
	if (rc == 0 && (!nb.last || !g.last0)) {
		fprintf(stderr, "seed-demo: out of memory\n");
		rc = -1;
	}
	g.start_ms = dm.until - g.span_ms;
	uint64_t t0 = mono_ns();
	const int64_t batch = 5000;
	if (rc == 0 && (rc = store_bulk_load_begin(d)) != 0)
		fprintf(stderr, "seed-demo: cannot prepare the bulk load\n");
	for (int64_t first = 0; rc == 0 && first < opt->complaints; first += batch) {
		g.first = first;
		g.count = opt->complaints - first < batch ? opt->complaints - first : batch;
		g.rng0 = rng_state;
		g.day0 = nb.day;
		memcpy(g.last0, nb.last, (size_t)dm.norgs * sizeof *g.last0);
		rc = db_tx(d, true, gen_tx, &g);
		if (rc == 0 && opt->progress && (first / batch) % 20 == 19)
			fprintf(stderr, "seed-demo: %lld complaints (%.0f/s)\n", (long long)(first + g.count),
				(double)(first + g.count) / ((double)(mono_ns() - t0) / 1e9));
	}
	/* The indexes and the full-text index are built in one pass even when generation failed
	 * part way. */
	uint64_t t1 = mono_ns();
	if (opt->progress)
		fprintf(stderr, "seed-demo: rows in %.1f s; building the indexes and the full-text index\n",
			(double)(t1 - t0) / 1e9);
	int rc2 = store_bulk_load_end(d);
	if (opt->progress)
		fprintf(stderr, "seed-demo: indexes built in %.1f s\n", (double)(mono_ns() - t1) / 1e9);
	if (rc == 0)
		rc = rc2;
	if (rc == 0)
		rc = db_tx(d, true, numbers_tx, &g);
	if (rc == 0) /* fresh statistics, so the planner knows the shape of a bulk-filled table */
		rc = store_optimize(d);
	double secs = (double)(mono_ns() - t0) / 1e9;
	for (int i = 0; i < dm.nleaves; i++)
		free(dm.leaves[i].codes);
	free(nb.last);
	free(g.last0);
	int norgs = dm.norgs;
	free(dm.orgs);
	if (rc != 0) {
		fprintf(stderr, "seed-demo: failed (%d)\n", rc);
		return -1;
	}
	printf("seed-demo: %d institutions, %lld complaints in %.1f s (%.0f/s)\n", norgs, (long long)opt->complaints,
	       secs, secs > 0 ? (double)opt->complaints / secs : 0.0);
	return 0;
}
