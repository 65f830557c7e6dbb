/* PII key rotation (see key_rotation.h). */
#include "domain/key_rotation.h"
#include "domain/audit.h"
#include "domain/crypto_profile.h"
#include "domain/pii.h"
#include "store/backup.h"
#include "store/store.h"
#include "util/log.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CURRENT_SETTING "pii.current_key"

int key_rotation_current_key(struct db *d, char out[PII_KEY_ID_SIZE])
{
	char v[64] = "";
	enum crypto_profile p;
	int rc = store_setting_get(d, CURRENT_SETTING, v, sizeof v);
	if (rc < 0)
		return rc;
	const char *id = rc == 1 && crypto_key_id_profile(v, &p) == 0 ? v : pii_key_id();
	snprintf(out, PII_KEY_ID_SIZE, "%.15s", id); /* a valid id is at most 12 chars */
	return DB_OK;
}

struct check_ctx {
	char current[64]; /* the database's current key after the check */
};

/* Reads pii.current_key and records this instance's when there is none, in one transaction
 * (PostgreSQL's SERIALIZABLE: two instances starting at once cannot both record theirs). May
 * run twice. */
static int check_keys_tx(struct db *d, void *arg)
{
	struct check_ctx *c = arg;
	c->current[0] = '\0';
	int rc = store_setting_get(d, CURRENT_SETTING, c->current, sizeof c->current);
	if (rc < 0 || rc == 1)
		return rc < 0 ? rc : DB_OK;
	snprintf(c->current, sizeof c->current, "%s", pii_key_id());
	return store_setting_set(d, CURRENT_SETTING, c->current) < 0 ? DB_HARD : DB_OK;
}

int key_rotation_check_keys(struct db *d)
{
	struct check_ctx c;
	int rc = db_tx(d, true, check_keys_tx, &c);
	if (rc != 0)
		return rc;
	if (pii_key_known(c.current))
		return 0;
	log_error("pii: the database's current key %s is not in this instance's keys dir %s", c.current, pii_keys_dir());
	fprintf(stderr,
		"the database seals personal data with key %s, which is not in %s: every instance of one\n"
		"database must use the same keys dir (copy DATA/keys from the first instance; docs/deploy.md)\n",
		c.current, pii_keys_dir());
	return -1;
}

char *key_rotation_seal(struct db *d, const char *plain, char key_id[PII_KEY_ID_SIZE])
{
	if (key_rotation_current_key(d, key_id) != DB_OK)
		return NULL;
	char *s = pii_encrypt_with(key_id, plain);
	if (!s)
		log_error("pii: the current key %s cannot be loaded from the keys dir", key_id);
	return s;
}

int key_rotation_blind_index(struct db *d, enum pii_kind kind, const char *value, char out[33])
{
	char id[PII_KEY_ID_SIZE];
	out[0] = '\0';
	int rc = key_rotation_current_key(d, id);
	if (rc < 0)
		return rc;
	return pii_blind_index_for(id, kind, value, out);
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

struct rotate_ctx {
	const char *from, *to;
	enum crypto_profile profile;
};

static int rotate_tx(struct db *d, void *arg)
{
	struct rotate_ctx *c = arg;
	/* The key, the profile and the audit chain's hash switch in one commit. */
	int rc = crypto_profile_switch(d, c->profile, c->to, "fcms keys rotate");
	if (rc < 0)
		return rc;
	struct audit_event ev = {.actor = "system", .ip = "", .action = "pii.key_rotate", .target_type = "pii_key",
				 .target_id = c->to, .result = "ok"};
	ev.detail = json_pack("{s:s, s:s, s:s}", "from", c->from, "to", c->to, "via", "fcms keys rotate");
	rc = audit_append(d, &ev);
	json_decref(ev.detail);
	return rc < 0 ? rc : 0;
}

struct reseal_ctx {
	const char *to;
	bool submissions; /* the consumer submissions queue (identity, phone index) instead of complaints */
	int64_t after, limit;
	/* outputs, reset at every run of the body */
	int64_t last_id, read, resealed, unreadable;
};

static int reseal_tx(struct db *d, void *arg)
{
	struct reseal_ctx *c = arg;
	c->last_id = c->after;
	c->read = c->resealed = c->unreadable = 0;
	json_t *rows;
	int rc = c->submissions ? store_submission_reseal_batch(d, c->to, c->after, c->limit, &rows)
				: store_pii_reseal_batch(d, c->to, c->after, c->limit, &rows);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		int64_t id = json_integer_value(json_object_get(row, "id"));
		const char *enc = json_string_value(json_object_get(row, "complainant_enc"));
		c->last_id = id;
		c->read++;
		char *plain = pii_decrypt(json_string_value(json_object_get(row, "pii_key_id")), enc);
		json_t *ident = plain ? json_loads(plain, 0, NULL) : NULL;
		if (!ident) {
			log_error("keys rotate: %s %lld: the identity cannot be opened (key missing or data altered)",
				  c->submissions ? "consumer submission" : "complaint", (long long)id);
			c->unreadable++;
			if (plain)
				crypto_wipe(plain, strlen(plain));
			free(plain);
			continue;
		}
		/* Re-indexed in the new key's family with the same normalisation (pii.h). */
		char bidx[3][33];
		static const enum pii_kind kinds[3] = {PII_NAME, PII_ID_NO, PII_PHONE};
		static const char *const fields[3] = {"name", "id_no", "phone"};
		char *sealed = pii_encrypt_with(c->to, plain);
		for (int k = 0; sealed && k < 3; k++)
			if (pii_blind_index_for(c->to, kinds[k], json_string_value(json_object_get(ident, fields[k])),
						bidx[k]) != 0) {
				free(sealed);
				sealed = NULL;
			}
		crypto_wipe(plain, strlen(plain));
		free(plain);
		json_decref(ident);
		if (!sealed) {
			rc = DB_HARD;
			break;
		}
		rc = c->submissions ? store_submission_reseal_row(d, id, enc, sealed, c->to, bidx[2])
				    : store_pii_reseal_row(d, id, enc, sealed, c->to, bidx);
		free(sealed);
		if (rc < 0)
			break;
		c->resealed += rc;
		rc = 0;
	}
	json_decref(rows);
	return rc < 0 ? rc : 0;
}

int key_rotation_reseal_after(struct db *d, int64_t after_id, int64_t limit, int64_t *resealed)
{
	char to[PII_KEY_ID_SIZE];
	*resealed = 0;
	int rc = key_rotation_current_key(d, to);
	if (rc < 0)
		return rc;
	struct reseal_ctx c = {.to = to, .after = after_id, .limit = limit};
	if ((rc = reseal_tx(d, &c)) < 0)
		return rc;
	*resealed = c.resealed;
	return 0;
}

struct retire_ctx {
	const char *to;
	json_t *retired;
	int64_t resealed;
};

static int retire_tx(struct db *d, void *arg)
{
	struct retire_ctx *c = arg;
	struct audit_event ev = {.actor = "system", .ip = "", .action = "pii.key_retire", .target_type = "pii_key",
				 .target_id = c->to, .result = "ok"};
	ev.detail = json_pack("{s:O, s:s, s:I, s:s}", "retired", c->retired, "current", c->to, "resealed",
			      (json_int_t)c->resealed, "via", "fcms keys rotate");
	int rc = audit_append(d, &ev);
	json_decref(ev.detail);
	return rc < 0 ? rc : 0;
}

/* Rows under a key other than to, from the usage object. */
static int64_t rows_elsewhere(json_t *usage, const char *to)
{
	int64_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(usage, k, v)
	if (strcmp(k, to) != 0)
		n += json_integer_value(v);
	return n;
}

/* A new key for the wanted profile, recorded in the database and made current; from is the
 * key it replaces. 0 or 1 (said, where there is something to say). */
static int start_rotation(const struct key_rotation_opts *o, struct db *d, char from[PII_KEY_ID_SIZE],
			  char to[PII_KEY_ID_SIZE])
{
	enum crypto_profile have, want;
	if (key_rotation_current_key(d, from) != DB_OK || crypto_profile_load(d, &have) != DB_OK)
		return 1;
	want = o->to_profile ? *o->to_profile : have;
	if (pii_key_create(want, to) != 0 || crypto_profile_signing_key_ensure(want) != 0)
		return 1;
	if (want != have)
		printf("keys rotate: moving the database from the %s crypto profile to %s\n", crypto_profile_name(have),
		       crypto_profile_name(want));
	struct rotate_ctx rc_ctx = {.from = from, .to = to, .profile = want};
	if (store_write(rotate_tx, &rc_ctx) != 0) {
		fprintf(stderr, "keys rotate: cannot record the new key in the database\n");
		return 1;
	}
	return pii_key_make_current(to) != 0;
}

/* Totals of the re-sealing passes. */
struct reseal_totals {
	int64_t resealed, unreadable, batches;
};

/* One pass over one table (complaints, or the consumer submissions), batch by batch, adding to
 * *t. 0 or 1 (said). */
static int reseal_table(const struct key_rotation_opts *o, const char *to, bool submissions, int64_t batch,
			struct reseal_totals *t)
{
	struct reseal_ctx c = {.to = to, .submissions = submissions, .after = 0, .limit = batch};
	for (;;) {
		if (store_write(reseal_tx, &c) != 0) {
			fprintf(stderr, "keys rotate: a batch failed; run it again to finish\n");
			return 1;
		}
		t->resealed += c.resealed;
		t->unreadable += c.unreadable;
		t->batches++;
		if (c.read < batch)
			return 0;
		c.after = c.last_id;
		if (o->pause_ms > 0)
			sleep_ms(o->pause_ms);
	}
}

/* Re-seals every row under another key than to, in batches, in up to three passes (each ends
 * with a grace period and a fresh count). *usage: the last count (caller decrefs, also on
 * failure). 0 or 1 (said). */
static int reseal_all(const struct key_rotation_opts *o, struct db *d, const char *to, json_t **usage,
		      struct reseal_totals *t)
{
	int64_t batch = o->batch > 0 ? o->batch : 500, grace = o->grace_ms >= 0 ? o->grace_ms : 2000;
	*usage = NULL;
	for (int pass = 0; pass < 3; pass++) {
		t->unreadable = 0;
		/* The complaints, then the consumer submissions queue: its phone index is how a consumer
		 * finds a waiting submission, and its identity is what the registrar confirms. */
		for (int table = 0; table < 2; table++)
			if (reseal_table(o, to, table == 1, batch, t) != 0)
				return 1;
		/* Writers that read the old id before the rotation committed are gone by now; look
		 * again after a grace period before anything is deleted. */
		sleep_ms(grace);
		json_decref(*usage);
		*usage = NULL;
		if (store_pii_key_usage(d, usage) != DB_OK)
			return 1;
		if (rows_elsewhere(*usage, to) == 0)
			break;
	}
	return 0;
}

/* Retires (audited first, then deleted) every key file other than to that no row uses: a
 * retired key that is not yet deleted is harmless, the reverse is not traceable. 0 or 1. */
static int retire_unused(const char *to, json_t *usage, int64_t resealed)
{
	char ids[64][PII_KEY_ID_SIZE];
	int n = pii_key_file_ids(ids, 64);
	struct retire_ctx rt = {.to = to, .retired = json_array(), .resealed = resealed};
	if (!rt.retired)
		return 1;
	for (int i = 0; i < n; i++)
		if (strcmp(ids[i], to) != 0 && !json_object_get(usage, ids[i]))
			json_array_append_new(rt.retired, json_string(ids[i]));
	int rc = 0;
	if (store_write(retire_tx, &rt) != 0) {
		rc = 1;
		goto out;
	}
	size_t i;
	json_t *id;
	json_array_foreach(rt.retired, i, id)
	{
		if (pii_key_remove(json_string_value(id)) != 0) {
			fprintf(stderr, "keys rotate: cannot delete the old key file of %s\n", json_string_value(id));
			rc = 1;
		} else {
			printf("keys rotate: old key %s retired (no row uses it)\n", json_string_value(id));
		}
	}
out:
	json_decref(rt.retired);
	return rc;
}

int key_rotation_run(const struct key_rotation_opts *o)
{
	struct db *d = store_conn();
	char from[PII_KEY_ID_SIZE], to[PII_KEY_ID_SIZE];
	if (!d || start_rotation(o, d, from, to) != 0)
		return 1;
	assert(strcmp(from, to) != 0); /* pii_key_create makes a fresh id */
	printf("keys rotate: new key %s is current (was %s); re-sealing in batches of %lld\n", to, from,
	       (long long)(o->batch > 0 ? o->batch : 500));
	fflush(stdout);
	uint64_t t0 = mono_ns();
	struct reseal_totals t = {0};
	json_t *usage = NULL;
	int rc = 1;
	if (reseal_all(o, d, to, &usage, &t) != 0)
		goto out;
	int64_t left = rows_elsewhere(usage, to);
	printf("keys rotate: %lld rows re-sealed in %lld batches (%.1f s); %lld rows still under an old key\n",
	       (long long)t.resealed, (long long)t.batches, (double)(mono_ns() - t0) / 1e9, (long long)left);
	if (left > 0) {
		fprintf(stderr, "keys rotate: %lld rows could not be re-sealed (%lld unreadable); old keys kept\n",
			(long long)left, (long long)t.unreadable);
		goto out;
	}
	rc = retire_unused(to, usage, t.resealed);
out:
	json_decref(usage);
	return rc;
}

int key_rotation_status(void)
{
	struct db *d = store_conn();
	char cur[PII_KEY_ID_SIZE];
	json_t *usage;
	enum crypto_profile p;
	if (!d || key_rotation_current_key(d, cur) != DB_OK || crypto_profile_load(d, &p) != DB_OK ||
	    store_pii_key_usage(d, &usage) != DB_OK)
		return 1;
	char ids[64][PII_KEY_ID_SIZE];
	int n = pii_key_file_ids(ids, 64);
	json_t *files = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(files, json_string(ids[i]));
	json_t *out = json_pack("{s:s, s:s, s:o, s:o}", "profile", crypto_profile_name(p), "current", cur, "key_files",
				files, "usage", usage);
	char *text = out ? json_dumps(out, JSON_SORT_KEYS) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(out);
	return text ? 0 : 1;
}
