/* First-start base data (see base_data.h). */
#include "domain/base_data.h"
#include "domain/codes.h"
#include "store/store.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char jrt0169_codes_csv[];
extern const char regions_tsv[];
extern const char regions_source[];

/* Source channels (投诉反映渠道); transferred complaints must carry the regulator's ticket. */
static const struct {
	const char *code, *name, *attrs;
} channels[] = {
	{"phone", "电话", "{}"},
	{"onsite", "现场", "{}"},
	{"letter", "信函", "{}"},
	{"email", "电子邮件", "{}"},
	{"internet", "互联网（网站、手机银行、微信等）", "{}"},
	{"pboc_transfer", "人民银行转办（12363）", "{\"requires\":[\"external_no\"],\"tag\":\"regulator\"}"},
	{"nfra_transfer", "金融监管总局转办（12378）", "{\"requires\":[\"external_no\"],\"tag\":\"regulator\"}"},
	{"petition", "信访转办", "{\"requires\":[\"external_no\"]}"},
	{"media", "媒体", "{\"tag\":\"media\"}"},
	{"other", "其他", "{}"},
};

static const struct {
	const char *code, *name;
} id_types[] = {
	{"01", "居民身份证"}, {"02", "军官证"}, {"03", "护照"}, {"04", "港澳居民来往内地通行证"},
	{"05", "台湾居民来往大陆通行证"}, {"06", "外国人永久居留身份证"}, {"07", "港澳台居民居住证"},
	{"99", "其他"},
};

/* 国务院办公厅 holiday arrangements: ranges of days off, and make-up working days. */
static const struct {
	int from, to;
	const char *note;
} holidays[] = {
	{20250101, 20250101, "元旦"}, {20250128, 20250204, "春节"}, {20250404, 20250406, "清明节"},
	{20250501, 20250505, "劳动节"}, {20250531, 20250602, "端午节"}, {20251001, 20251008, "国庆节、中秋节"},
	{20260101, 20260103, "元旦"}, {20260215, 20260223, "春节"}, {20260404, 20260406, "清明节"},
	{20260501, 20260505, "劳动节"}, {20260619, 20260621, "端午节"}, {20260925, 20260927, "中秋节"},
	{20261001, 20261007, "国庆节"},
};
static const struct {
	int day;
	const char *note;
} workdays[] = {
	{20250126, "春节调休上班"}, {20250208, "春节调休上班"}, {20250427, "劳动节调休上班"},
	{20250928, "国庆节调休上班"}, {20251011, "国庆节调休上班"}, {20260104, "元旦调休上班"},
	{20260214, "春节调休上班"}, {20260228, "春节调休上班"}, {20260509, "劳动节调休上班"},
	{20260920, "国庆节调休上班"}, {20261010, "国庆节调休上班"},
};

static int seed_codes(struct db *d, int64_t now)
{
	int64_t n;
	int rc = store_codes_count(d, &n);
	if (rc < 0 || n > 0)
		return rc;
	json_t *rows;
	char err[200];
	if (codes_parse_csv(jrt0169_codes_csv, strlen(jrt0169_codes_csv), "2018-01-01", &rows, err, sizeof err) != 0) {
		log_error("shipped code table is invalid: %s", err);
		return DB_HARD;
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		bool inserted;
		if ((rc = store_code_upsert(d, row, now, &inserted)) < 0)
			break;
	}
	json_decref(rows);
	return rc < 0 ? rc : 0;
}

static int seed_dictionaries(struct db *d, int64_t now)
{
	json_t *have;
	int rc = store_dict_list(d, "source_channel", &have);
	if (rc < 0)
		return rc;
	size_t existing = json_array_size(have);
	json_decref(have);
	for (size_t i = 0; !existing && rc >= 0 && i < sizeof channels / sizeof channels[0]; i++)
		rc = store_dict_upsert(d, "source_channel", channels[i].code, channels[i].name, (int64_t)i + 1,
				       true, channels[i].attrs, now);
	if (rc < 0 || (rc = store_dict_list(d, "id_type", &have)) < 0)
		return rc;
	existing = json_array_size(have);
	json_decref(have);
	for (size_t i = 0; !existing && rc >= 0 && i < sizeof id_types / sizeof id_types[0]; i++)
		rc = store_dict_upsert(d, "id_type", id_types[i].code, id_types[i].name, (int64_t)i + 1, true,
				       "{}", now);
	return rc < 0 ? rc : 0;
}

static int seed_regions(struct db *d)
{
	int64_t n;
	int rc = store_regions_count(d, &n);
	if (rc < 0 || n > 0)
		return rc;
	for (const char *line = regions_tsv; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[200];
		snprintf(buf, sizeof buf, "%.*s", (int)len, line);
		line += len + (nl ? 1 : 0);
		/* code \t name \t parent \t level */
		char *name = strchr(buf, '\t'), *parent = name ? strchr(name + 1, '\t') : NULL;
		char *level = parent ? strchr(parent + 1, '\t') : NULL;
		if (!level)
			continue;
		*name++ = *parent++ = *level++ = '\0';
		if ((rc = store_region_insert(d, buf, name, *parent ? parent : NULL, atoi(level))) < 0)
			return rc;
	}
	return store_setting_set(d, "regions_source", regions_source) < 0 ? DB_HARD : 0;
}

static int seed_calendar(struct db *d, int64_t now)
{
	json_t *have;
	int rc = store_calendar_list(d, 2025, &have);
	if (rc < 0)
		return rc;
	size_t existing = json_array_size(have);
	json_decref(have);
	if (existing)
		return 0;
	for (size_t i = 0; i < sizeof holidays / sizeof holidays[0]; i++)
		for (int day = holidays[i].from; day <= holidays[i].to; day++)
			if ((rc = store_calendar_set(d, day, "holiday", holidays[i].note, now)) < 0)
				return rc;
	for (size_t i = 0; i < sizeof workdays / sizeof workdays[0]; i++)
		if ((rc = store_calendar_set(d, workdays[i].day, "workday", workdays[i].note, now)) < 0)
			return rc;
	return 0;
}

static int seed_tx(struct db *d, void *ctx)
{
	int64_t now = now_ms();
	int rc = seed_codes(d, now);
	if (rc >= 0)
		rc = seed_dictionaries(d, now);
	if (rc >= 0)
		rc = seed_regions(d);
	if (rc >= 0)
		rc = seed_calendar(d, now);
	return rc < 0 ? rc : 0;
}

int base_data_seed(struct db *d)
{
	return db_tx(d, true, seed_tx, NULL);
}
