/* fcms seed-demo: a realistic bank for demonstrations, tests at scale and benchmarks — a head
 * office, 10 provincial branches, 60 city branches and 400 sub-branches on real GB/T 2260
 * regions, users for every role, and complaints over two years with the distributions seen in
 * published figures (domain README §7: business types led by debit and credit cards, causes led
 * by rules and processes), realistic states, replies, extensions and callbacks, and timelines in
 * the audit chain for the most recent ones. Deterministic for a given --seed and --until.
 * This file generates the complaints; the bank is built in seed_bank.c, the random stream and
 * its names, ID numbers and phones are in seed_random.c (shared declarations: seed_internal.h). */
#include "demo/seed.h"
#include "demo/seed_internal.h"
#include "domain/audit.h"
#include "domain/complaint.h"
#include "domain/pii.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/log.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
			return problems[i].problems[demo_rnd_int(6)];
	return generic_problems[demo_rnd_int(6)];
}

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
			return dm->leaves[i].codes[demo_rnd_int(dm->leaves[i].n)];
	return prefix;
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

/* What gen_one decides about one complaint, passed between its steps in draw order. */
struct gen_one {
	json_t *rec;
	int oi;              /* index of the complained institution in dm->orgs */
	struct demo_org *org;
	const char *channel; /* source channel */
	int64_t received;
	int32_t rday;        /* bank-local day of receipt */
	const char *status;
	int allowed;         /* allowed days: 15, 30 or 60 */
	int64_t handler;
	bool assigned, replied;
	int64_t replied_at, closed_at;
};

/* Receipt time spread over the window in order, in office hours mostly; then the complained
 * institution, mostly a sub-branch. */
static void gen_when_where(struct gen_ctx *g, int64_t index, struct gen_one *o)
{
	struct demo *dm = g->dm;
	int64_t base = g->start_ms + (int64_t)((double)g->span_ms * (double)index / (double)g->total);
	int32_t day = ymd_from_ms(base, CN_TZ_OFFSET_MIN);
	int hour = demo_rnd_int(10) < 8 ? 9 + demo_rnd_int(9) : demo_rnd_int(24);
	o->received = ymd_start_ms(day, CN_TZ_OFFSET_MIN) +
		      ((int64_t)hour * 3600 + demo_rnd_int(3600)) * 1000;
	if (o->received > dm->until)
		o->received = dm->until - demo_rnd_int(3600) * 1000;
	int roll = demo_rnd_int(100);
	assert(dm->norgs > 1);
	do
		o->oi = 1 + demo_rnd_int(dm->norgs - 1);
	while ((roll < 70 && dm->orgs[o->oi].level != 3) || (roll >= 70 && roll < 90 && dm->orgs[o->oi].level != 2) ||
	       (roll >= 90 && dm->orgs[o->oi].level != 1));
	o->org = &dm->orgs[o->oi];
	o->rday = ymd_from_ms(o->received, CN_TZ_OFFSET_MIN);
}

/* Number, registrar, codes, text, amount, tags and the external number. */
static void gen_intake(struct gen_ctx *g, struct gen_one *o)
{
	struct demo *dm = g->dm;
	json_t *rec = o->rec;
	struct demo_org *org = o->org;
	const char *channel = o->channel = PICK(channels);
	bool at_counter = strcmp(channel, "onsite") == 0 || strcmp(channel, "letter") == 0;
	int reg_index = at_counter ? o->oi : 0; /* others come in through head office's call centre */
	struct demo_org *reg = &dm->orgs[reg_index];
	const char *btype = leaf_of(dm, PICK(btypes));
	const char *cause = leaf_of(dm, PICK(causes));
	const char *achan = leaf_of(dm, PICK(achannels));
	char buf[600];
	snprintf(buf, sizeof buf, "%s-%08d-%05d", reg->code, (int)o->rday, next_number(dm, g->nb, reg_index, o->rday));
	set_s(rec, "complaint_no", buf);
	set_i(rec, "registrar_id", reg->registrar ? reg->registrar : org->registrar);
	set_i(rec, "registrar_org_id", reg->id);
	set_s(rec, "source_channel", channel);
	set_i(rec, "received_at", o->received);
	set_i(rec, "registered_at", o->received + (5 + demo_rnd_int(55)) * 60000);
	set_i(rec, "complained_org_id", org->id);
	set_i(rec, "handling_org_id", org->id);
	set_s(rec, "org_path", org->path);
	set_s(rec, "region_code", org->region);
	set_s(rec, "business_channel_code", achan);
	set_s(rec, "business_type_code", btype);
	set_s(rec, "cause_code", cause);
	int ci = atoi(cause + 1);
	set_s(rec, "rights", ci > 0 && ci < 16 ? dm->rights_for[ci] : "");
	snprintf(buf, sizeof buf, "%s%s，%s。", openers[demo_rnd_int(6)], problem_for(btype), details[demo_rnd_int(6)]);
	set_s(rec, "content", buf);
	set_s(rec, "demand", demands[demo_rnd_int(6)]);
	if (demo_rnd_int(10) < 6)
		set_i(rec, "amount_fen", (int64_t)(100 + demo_rnd_int(100) * demo_rnd_int(100) * demo_rnd_int(50)) * 100);
	else
		json_object_set_new(rec, "amount_fen", json_null());
	char tags[64] = "";
	if (strstr(channel, "transfer"))
		strcat(tags, "regulator");
	if (!strcmp(channel, "media"))
		strcat(tags, *tags ? " media" : "media");
	if (demo_rnd_int(100) < 5)
		strcat(tags, *tags ? " repeat" : "repeat");
	set_s(rec, "tags", tags);
	if (strstr(channel, "transfer") || !strcmp(channel, "petition")) {
		snprintf(buf, sizeof buf, "%s%08d", !strcmp(channel, "pboc_transfer") ? "RH" : "JG", demo_rnd_int(100000000));
		set_s(rec, "external_no", buf);
	}
}

/* Identity: sealed, indexed, masked — exactly as intake does it. */
static int gen_identity(struct db *d, struct gen_one *o)
{
	char name[32], idno[19], phone[12];
	demo_random_name(name, sizeof name);
	demo_random_id_no(o->org->region, idno);
	demo_random_phone(phone);
	json_t *input = json_pack("{s:{s:s, s:s, s:s, s:s}}", "complainant", "name", name, "id_type", "01", "id_no",
				  idno, "phone", phone);
	if (!input)
		return DB_HARD;
	struct refusal e;
	set_s(o->rec, "complainant_masked", "{}");
	set_s(o->rec, "day_type", "calendar");
	int rc = complaint_apply_input(d, input, o->rec, &e);
	json_decref(input);
	return rc == 0 ? 0 : rc < 0 ? rc : DB_HARD;
}

/* Where it stands now depends on its age: status, reply day and the allowed days. */
static int gen_status(struct gen_ctx *g, struct gen_one *o)
{
	int64_t age_days = (g->dm->until - o->received) / MS_PER_DAY;
	int r = demo_rnd_int(1000);
	/* A working day's shape: most of what came in this fortnight is open, little of last month,
	 * a sliver of older (extended to 60 days), and a few stuck long past their deadline — about 2 %
	 * open in all, a fifth of it overdue. r is in tenths of a percent. */
	if (age_days < 1)
		o->status = r < 500 ? "registered" : "processing";
	else if (age_days < 15)
		o->status = r < 30 ? "registered" : r < 480 ? "processing" : r < 580 ? "reviewing" : r < 730 ? "replied" : r < 980 ? "closed" : "withdrawn";
	else if (age_days < 30)
		o->status = r < 80 ? "processing" : r < 110 ? "reviewing" : r < 170 ? "replied" : r < 980 ? "closed" : "withdrawn";
	else if (age_days < 60)
		o->status = r < 15 ? "processing" : r < 25 ? "replied" : r < 980 ? "closed" : "withdrawn";
	else
		o->status = r < 2 ? "processing" : r < 980 ? "closed" : "withdrawn";
	int reply_day = demo_rnd_int(100) < 80 ? 2 + demo_rnd_int(12) : demo_rnd_int(100) < 75 ? 15 + demo_rnd_int(14) : 29 + demo_rnd_int(26);
	if (reply_day > age_days)
		reply_day = (int)age_days;
	o->allowed = reply_day < 15 ? 15 : reply_day < 29 ? 30 : 60;
	if (reply_day >= 15 && demo_rnd_int(100) < 12)
		o->allowed = reply_day < 29 ? 15 : 30; /* replied late: no (or not enough) extension */
	json_t *rec = o->rec;
	set_i(rec, "due_at", ymd_end_ms(ymd_add_days(o->rday, o->allowed), CN_TZ_OFFSET_MIN));
	set_i(rec, "allowed_days", o->allowed);
	set_i(rec, "extension_count", o->allowed == 15 ? 0 : o->allowed == 30 ? 1 : 2);
	set_i(rec, "transfer_count", demo_rnd_int(100) < 3 ? 1 : 0);
	set_i(rec, "clock_restarts", 0);
	set_i(rec, "clock_start_at", o->received);
	set_s(rec, "status", o->status);
	return reply_day;
}

/* The handler, the reply, the callback or the withdrawal, as far as the status has come. */
static void gen_outcome(struct gen_ctx *g, struct gen_one *o, int reply_day)
{
	struct demo *dm = g->dm;
	struct demo_org *org = o->org;
	json_t *rec = o->rec;
	const char *status = o->status;
	/* Mostly the complained institution's own desk; a fifth of a sub-branch's go up to its city
	 * branch (complex cases), as do those of a desk without a handler. */
	o->handler = org->handler ? org->handler : dm->orgs[0].handler;
	if (org->level == 3 && (demo_rnd_int(5) == 0 || !org->handler) && dm->orgs[org->parent].handler)
		o->handler = dm->orgs[org->parent].handler;
	o->assigned = strcmp(status, "registered") && strcmp(status, "withdrawn");
	if (o->assigned)
		set_i(rec, "handler_id", o->handler);
	o->replied = !strcmp(status, "reviewing") || !strcmp(status, "replied") || !strcmp(status, "closed");
	o->replied_at = o->received + reply_day * MS_PER_DAY + demo_rnd_int(8 * 3600) * 1000;
	if (o->replied_at > dm->until)
		o->replied_at = dm->until - demo_rnd_int(3600) * 1000;
	static const struct weighted results[] = {{"accepted", 35}, {"partially_accepted", 25}, {"not_accepted", 15}, {"explained", 25}};
	if (o->replied) {
		const char *res = PICK(results);
		set_s(rec, "reply_result", res);
		set_s(rec, "reply_content", "经调查核实，已向客户说明处理依据和结果，并告知其可申请核查、调解、仲裁或诉讼。");
		set_i(rec, "compensation_fen", strstr(res, "accepted") && strcmp(res, "not_accepted") ? demo_rnd_int(2000) * 100 : 0);
		set_i(rec, "replied_at", o->replied_at);
		if (reply_day > 15)
			set_s(rec, "late_reason", "案情复杂，需调取交易记录并与第三方机构核实");
	}
	o->closed_at = o->replied_at + (1 + demo_rnd_int(3)) * MS_PER_DAY;
	bool closed = !strcmp(status, "closed");
	if (closed) {
		if (o->closed_at > dm->until)
			o->closed_at = dm->until;
		int sat = demo_rnd_int(100);
		set_s(rec, "callback_satisfaction", sat < 78 ? "satisfied" : sat < 96 ? "basically_satisfied" : "unsatisfied");
		set_s(rec, "callback_note", sat < 96 ? "电话回访，客户认可处理结果" : "电话回访，客户对处理结果仍有异议，已告知其他救济途径");
		set_i(rec, "callback_at", o->closed_at);
		set_i(rec, "closed_at", o->closed_at);
	}
	if (!strcmp(status, "withdrawn"))
		set_i(rec, "withdrawn_at", o->received + demo_rnd_int(5) * MS_PER_DAY + MS_PER_HOUR);
	set_s(rec, "sync_status", "unsent");
	set_i(rec, "version", 1 + (o->assigned ? 1 : 0) + (o->replied ? 1 : 0) + (closed ? 2 : 0));
	set_i(rec, "created_at", o->received);
	set_i(rec, "updated_at", closed ? o->closed_at : o->replied ? o->replied_at : o->received);
}

/* The audit timeline of complaint id, as the users who took each step. */
static int gen_timeline(struct db *d, struct demo *dm, const struct gen_one *o, int64_t id)
{
	json_t *rec = o->rec;
	const char *status = o->status;
	int64_t registrar = json_integer_value(json_object_get(rec, "registrar_id"));
	int rc = event(d, o->received, registrar, "complaint.register", id, json_pack("{s:s}", "source_channel", o->channel));
	if (rc == 0 && o->assigned)
		rc = event(d, o->received + 3600000, dm->reviewer, "complaint.assign", id,
			   json_pack("{s:{s:I}}", "params", "user_id", (json_int_t)o->handler));
	if (rc == 0 && o->allowed > 15 && o->replied)
		rc = event(d, o->received + 10 * MS_PER_DAY, dm->reviewer, "complaint.approve_extension", id,
			   json_pack("{s:i}", "allowed_days", o->allowed));
	if (rc == 0 && o->replied)
		rc = event(d, o->replied_at, o->handler, "complaint.reply", id,
			   json_pack("{s:O}", "result", json_object_get(rec, "reply_result")));
	if (rc == 0 && (!strcmp(status, "replied") || !strcmp(status, "closed")))
		rc = event(d, o->replied_at + 7200000, dm->reviewer2, "complaint.approve_reply", id, NULL);
	if (rc == 0 && !strcmp(status, "closed"))
		rc = event(d, o->closed_at, dm->reviewer2, "complaint.callback", id,
			   json_pack("{s:O}", "satisfaction", json_object_get(rec, "callback_satisfaction")));
	return rc;
}

/* One complaint (index in receipt order), drawn from the stream and inserted. */
static int gen_one(struct gen_ctx *g, int64_t index)
{
	struct db *d = g->dm->d;
	struct gen_one o = {.rec = json_object()};
	if (!o.rec)
		return DB_HARD;
	gen_when_where(g, index, &o);
	gen_intake(g, &o);
	int rc = gen_identity(d, &o);
	if (rc != 0)
		goto out;
	gen_outcome(g, &o, gen_status(g, &o));
	struct complaint_settings cfg;
	complaint_settings_defaults(&cfg);
	if ((rc = complaint_update_deadline(d, o.rec, &cfg, g->dm->until)) < 0)
		goto out;
	int64_t id;
	rc = store_complaint_insert(d, o.rec, &id);
	if (rc == 0 && index >= g->timelines_from)
		rc = gen_timeline(d, g->dm, &o, id);
out:
	json_decref(o.rec);
	return rc;
}

static int gen_tx(struct db *d, void *arg)
{
	struct gen_ctx *g = arg;
	/* a retried batch starts from the same state, so it regenerates the same rows */
	demo_rng_state = g->rng0;
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
	return demo_build_bank(arg);
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

/* 1 when the database already has complaints (printed), 0 when empty, -1 on error. */
static int has_complaints(struct db *d)
{
	int64_t existing = 0;
	struct scope_filter all = {.kind = SCOPE_ALL};
	struct complaint_filter f = {.limit = 1};
	json_t *items;
	if (store_complaint_list(d, &all, &f, &items, &existing, NULL) < 0)
		return -1;
	json_decref(items);
	if (existing > 0) {
		fprintf(stderr, "seed-demo: the database already has complaints; use a new data directory\n");
		return 1;
	}
	return 0;
}

/* The leaf codes of the weighted B, C and A tables, and the suggested rights of each cause. */
static int load_codes(struct demo *dm)
{
	int rc = load_leaves(dm, btypes, sizeof btypes / sizeof btypes[0], "B");
	if (rc == 0)
		rc = load_leaves(dm, causes, sizeof causes / sizeof causes[0], "C");
	if (rc == 0)
		rc = load_leaves(dm, achannels, sizeof achannels / sizeof achannels[0], "A");
	json_t *ccodes = NULL;
	if (rc == 0 && (rc = store_codes_list(dm->d, "C", "2024-01-01", &ccodes)) == 0) {
		size_t i;
		json_t *c;
		json_array_foreach(ccodes, i, c)
		{
			int ci = atoi(json_string_value(json_object_get(c, "code")) + 1);
			if (ci > 0 && ci < 16)
				snprintf(dm->rights_for[ci], sizeof dm->rights_for[ci], "%s",
					 json_string_value(json_object_get(c, "suggest_rights")));
		}
	}
	json_decref(ccodes);
	return rc;
}

/* The complaints in batches of one transaction each, under a bulk load (indexes built once at
 * the end, even when generation failed part way). */
static int generate(struct demo *dm, struct gen_ctx *g, const struct demo_options *opt, uint64_t t0)
{
	struct db *d = dm->d;
	const int64_t batch = 5000;
	int rc = store_bulk_load_begin(d);
	if (rc != 0) {
		fprintf(stderr, "seed-demo: cannot prepare the bulk load\n");
		return rc;
	}
	for (int64_t first = 0; rc == 0 && first < opt->complaints; first += batch) {
		g->first = first;
		g->count = opt->complaints - first < batch ? opt->complaints - first : batch;
		g->rng0 = demo_rng_state;
		g->day0 = g->nb->day;
		memcpy(g->last0, g->nb->last, (size_t)dm->norgs * sizeof *g->last0);
		rc = db_tx(d, true, gen_tx, g);
		if (rc == 0 && opt->progress && (first / batch) % 20 == 19)
			fprintf(stderr, "seed-demo: %lld complaints (%.0f/s)\n", (long long)(first + g->count),
				(double)(first + g->count) / ((double)(mono_ns() - t0) / 1e9));
	}
	uint64_t t1 = mono_ns();
	if (opt->progress)
		fprintf(stderr, "seed-demo: rows in %.1f s; building the indexes and the full-text index\n",
			(double)(t1 - t0) / 1e9);
	int rc2 = store_bulk_load_end(d);
	if (opt->progress)
		fprintf(stderr, "seed-demo: indexes built in %.1f s\n", (double)(mono_ns() - t1) / 1e9);
	return rc != 0 ? rc : rc2;
}

int demo_seed(struct db *d, const struct demo_options *opt)
{
	struct demo dm = {.d = d};
	struct numbering nb = {.day = 0};
	struct gen_ctx g = {.dm = &dm, .nb = &nb, .total = opt->complaints, .span_ms = 730 * MS_PER_DAY,
			    .timelines_from = opt->complaints - opt->timelines};
	demo_rng_state = opt->seed ? opt->seed * 0x9E3779B97F4A7C15ULL + 1 : 88172645463325252ULL;
	dm.until = opt->until ? opt->until : now_ms();
	int rc = has_complaints(d);
	if (rc != 0)
		return -1;
	dm.orgs = calloc(DEMO_MAX_ORGS, sizeof *dm.orgs);
	if (!dm.orgs || crypto_password_hash(opt->password, dm.password_hash) != 0) {
		rc = -1;
		goto out;
	}
	if ((rc = db_tx(d, true, bank_tx, &dm)) != 0 || (rc = load_codes(&dm)) != 0)
		goto out;
	nb.last = calloc((size_t)dm.norgs + 1, sizeof(int));
	g.last0 = calloc((size_t)dm.norgs + 1, sizeof(int));
	if (!nb.last || !g.last0) {
		fprintf(stderr, "seed-demo: out of memory\n");
		rc = -1;
		goto out;
	}
	g.start_ms = dm.until - g.span_ms;
	uint64_t t0 = mono_ns();
	rc = generate(&dm, &g, opt, t0);
	if (rc == 0)
		rc = db_tx(d, true, numbers_tx, &g);
	if (rc == 0) /* fresh statistics, so the planner knows the shape of a bulk-filled table */
		rc = store_optimize(d);
	double secs = (double)(mono_ns() - t0) / 1e9;
	if (rc == 0)
		printf("seed-demo: %d institutions, %lld complaints in %.1f s (%.0f/s)\n", dm.norgs,
		       (long long)opt->complaints, secs, secs > 0 ? (double)opt->complaints / secs : 0.0);
out:
	for (int i = 0; i < dm.nleaves; i++)
		free(dm.leaves[i].codes);
	free(nb.last);
	free(g.last0);
	free(dm.orgs);
	if (rc != 0)
		fprintf(stderr, "seed-demo: failed (%d)\n", rc);
	return rc == 0 ? 0 : -1;
}
