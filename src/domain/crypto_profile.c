/* The database's crypto profile and the signing keys (see crypto_profile.h). */
#include "domain/crypto_profile.h"
#include "domain/audit.h"
#include "domain/pii.h"
#include "store/audit_chain.h"
#include "store/store.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int crypto_profile_load(struct db *d, enum crypto_profile *p)
{
	char v[32] = "";
	*p = CRYPTO_DEFAULT;
	int rc = store_setting_get(d, CRYPTO_PROFILE_SETTING, v, sizeof v);
	if (rc < 0)
		return rc;
	if (rc == 1 && crypto_profile_parse(v, p) != 0)
		return DB_HARD;
	return DB_OK;
}

int crypto_profile_switch(struct db *d, enum crypto_profile to, const char *key_id, const char *via)
{
	int rc = store_setting_set(d, CRYPTO_PROFILE_SETTING, crypto_profile_name(to));
	if (rc >= 0)
		rc = store_setting_set(d, "pii.current_key", key_id);
	if (rc >= 0)
		rc = audit_rechain(d, to, via);
	return rc < 0 ? rc : DB_OK;
}

struct init_ctx {
	enum crypto_profile want;
	const char *key_id;
	bool fresh; /* output: no event and no profile yet */
};

static int init_tx(struct db *d, void *arg)
{
	struct init_ctx *c = arg;
	c->fresh = false;
	char v[32] = "";
	struct store_audit_head head = {0};
	int rc = store_setting_get(d, CRYPTO_PROFILE_SETTING, v, sizeof v);
	if (rc < 0)
		return rc;
	int rc2 = store_audit_head_get(d, &head);
	if (rc2 < 0)
		return rc2;
	if (rc == 1 || head.seq != 0)
		return 0;
	c->fresh = true;
	return crypto_profile_switch(d, c->want, c->key_id, "fcms init --crypto");
}

static int write_private(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int rc = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

int crypto_profile_init(struct db *d, enum crypto_profile want)
{
	enum crypto_profile have;
	if (crypto_profile_load(d, &have) != DB_OK)
		return -1;
	if (have == want)
		return 0;
	/* A fresh database: the first key of the wanted profile replaces the one pii_init made. */
	char old[PII_KEY_ID_SIZE], id[PII_KEY_ID_SIZE];
	snprintf(old, sizeof old, "%s", pii_key_id());
	if (pii_key_create(want, id) != 0)
		return -1;
	struct init_ctx c = {.want = want, .key_id = id};
	if (store_write(init_tx, &c) != 0 || !c.fresh) {
		pii_key_remove(id);
		if (c.fresh == false)
			fprintf(stderr,
				"fcms init: this database is already in use under the %s crypto profile; move it to %s "
				"with `fcms keys rotate --to %s` (online) / 数据库已按 %s 密码配置使用，请用 fcms keys "
				"rotate --to %s 迁移\n",
				crypto_profile_name(have), crypto_profile_name(want), crypto_profile_name(want),
				crypto_profile_name(have), crypto_profile_name(want));
		return -1;
	}
	if (pii_key_make_current(id) != 0)
		return -1;
	if (strcmp(old, id) != 0)
		pii_key_remove(old); /* no row can use it: the database had no event yet */
	return 0;
}

static void key_path(enum crypto_profile p, bool secret, char *out, size_t n)
{
	snprintf(out, n, "%s/sign-%s.%s", pii_keys_dir(), crypto_profile_name(p), secret ? "key" : "pub");
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(8192);
	size_t n = buf ? fread(buf, 1, 8191, f) : 0;
	fclose(f);
	if (!buf || n == 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int crypto_profile_signing_key_ensure(enum crypto_profile p)
{
	char sk[900], pk[900];
	key_path(p, true, sk, sizeof sk);
	key_path(p, false, pk, sizeof pk);
	if (!pii_keys_dir()[0])
		return -1;
	if (access(sk, R_OK) == 0)
		return 0;
	char *secret, *pub;
	if (crypto_sig_keypair(p, &secret, &pub) != 0)
		return -1;
	/* The public file first: a secret without its public half is never left behind. */
	unlink(pk);
	int rc = write_private(pk, pub, 0644) == 0 && write_private(sk, secret, 0600) == 0 ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "crypto: cannot write the signing key pair %s: %s\n", sk, strerror(errno));
	crypto_wipe(secret, strlen(secret));
	free(secret);
	free(pub);
	return rc;
}

int crypto_profile_sign(enum crypto_profile p, const void *msg, size_t len, char **sig)
{
	char path[900];
	*sig = NULL;
	key_path(p, true, path, sizeof path);
	char *secret = read_text(path);
	if (!secret)
		return -1;
	int rc = crypto_sig_sign(p, secret, msg, len, sig);
	crypto_wipe(secret, strlen(secret));
	free(secret);
	return rc;
}

char *crypto_profile_public_key(enum crypto_profile p)
{
	char path[900];
	key_path(p, false, path, sizeof path);
	char *text = read_text(path);
	char *pem = text ? crypto_sig_public_pem(p, text) : NULL;
	free(text);
	return pem;
}
