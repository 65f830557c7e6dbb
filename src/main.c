/* The fcms command: one binary with subcommands (serve, init, audit-verify, routes, version).
 * Each subcommand is a row of the table at the bottom; later ones (seed-demo, regulator-sim)
 * join it there. */
#include "api/api.h"
#include "config.h"
#include "demo/seed.h"
#include "domain/audit.h"
#include "domain/backup.h"
#include "domain/base_data.h"
#include "domain/bootstrap.h"
#include "domain/crypto_profile.h"
#include "domain/key_rotation.h"
#include "domain/password_policy.h"
#include "domain/pii.h"
#include "domain/reminders.h"
#include "domain/security_policy.h"
#include "http/events.h"
#include "http/server.h"
#include "http/static_files.h"
#include "report/facts.h"
#include "report/ledger_export.h"
#include "import/job.h"
#include "regulator/gateway.h"
#include "sms/sms.h"
#include "store/events_relay.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FCMS_VERSION
#define FCMS_VERSION "0.1.0"
#endif

/* Options shared by the subcommands; each accepts the ones it documents. */
static int parse_options(int argc, char **argv, struct config *cfg)
{
	config_defaults(cfg);
	/* The config file first, so flags override it wherever they stand. */
	for (int i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "--config") == 0 && config_load_file(cfg, argv[i + 1]) != 0)
			return -1;
	static const struct {
		const char *flag, *key;
	} flags[] = {{"--listen", "listen"}, {"--data", "data_dir"}, {"--db", "db_url"},
		     {"--web", "web_root"}, {"--regulator", "regulator"}, {"--threads", "threads"},
		     {"--sms", "sms_url"}};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0) {
			i++;
			continue;
		}
		bool known = false;
		for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
			if (strcmp(argv[i], flags[k].flag) != 0)
				continue;
			if (i + 1 >= argc) {
				fprintf(stderr, "%s needs a value\n", argv[i]);
				return -1;
			}
			if (config_set(cfg, flags[k].key, argv[++i]) != 0)
				return -1;
			known = true;
			break;
		}
		if (!known) {
			fprintf(stderr, "unknown option: %s\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* Opens the store for this process: data dir, migrations, bootstrap. Returns the main thread's
 * connection or NULL. */
/* The data dir holds the database, the PII key, attachments and exports: it is created 0700
 * (an existing one is left as the operator made it, with a warning when others may enter). The
 * SQLite file is created 0600 whatever the umask, and SQLite gives -wal and -shm the mode of
 * the database file; files left by an older version are narrowed here. */
static void lock_down_files(const struct config *cfg, const char *url)
{
	struct stat st;
	if (stat(cfg->data_dir, &st) == 0 && (st.st_mode & 077))
		log_warn("data dir %s is open to other users (mode %03o); chmod 700 it", cfg->data_dir,
			 (unsigned)(st.st_mode & 0777));
	if (strncmp(url, "sqlite:", 7) != 0)
		return;
	char path[1200];
	snprintf(path, sizeof path, "%.*s", (int)strcspn(url + 7, "?"), url + 7);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char f[1300];
		snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
		if (chmod(f, 0600) != 0 && errno != ENOENT)
			log_warn("cannot make %s private: %s", f, strerror(errno));
	}
}

/* want: the crypto profile asked for with --crypto (NULL: none asked; a new database is default). */
static struct db *open_store_as(const struct config *cfg, bool bootstrap, const enum crypto_profile *want)
{
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot create data dir %s: %s\n", cfg->data_dir, strerror(errno));
		return NULL;
	}
	if (pii_init(cfg->data_dir) != 0)
		return NULL;
	char url[1100];
	config_db_url(cfg, url, sizeof url);
	lock_down_files(cfg, url);
	if (store_init(url) != 0)
		return NULL;
	struct db *d = store_conn();
	if (!d) {
		fprintf(stderr, "cannot open the database\n");
		return NULL;
	}
	if (store_migrate(d) != DB_OK)
		return NULL;
	/* The profile is taken before bootstrap writes the first events, so a gm database's chain
	 * is SM3 from its first event. */
	enum crypto_profile p;
	if (want && crypto_profile_init(d, *want) != 0)
		return NULL;
	if (crypto_profile_load(d, &p) != DB_OK) {
		fprintf(stderr, "cannot read the database's crypto profile\n");
		return NULL;
	}
	crypto_set_profile(p);
	if (key_rotation_check_keys(d) != 0 || (want && crypto_profile_signing_key_ensure(p) != 0))
		return NULL;
	if (bootstrap && (bootstrap_run(d, getenv("FCMS_ADMIN_PASSWORD")) != 0 || base_data_seed(d) != 0))
		return NULL;
	if (store_optimize(d) != DB_OK)
		log_warn("store: planner statistics not refreshed");
	return d;
}

static struct db *open_store(const struct config *cfg, bool bootstrap)
{
	return open_store_as(cfg, bootstrap, NULL);
}

/* Takes `--crypto default|gm` out of argv (compacting it); *want points at out when given. 0, or
 * -1 after saying what is wrong. */
static int take_crypto_flag(int *argc, char **argv, enum crypto_profile *out, const enum crypto_profile **want)
{
	*want = NULL;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--crypto") != 0)
			continue;
		if (i + 1 >= *argc || crypto_profile_parse(argv[i + 1], out) != 0) {
			fprintf(stderr, "--crypto wants default or gm\n");
			return -1;
		}
		*want = out;
		memmove(argv + i, argv + i + 2, (size_t)(*argc - i - 2 + 1) * sizeof *argv);
		*argc -= 2;
		i--;
	}
	return 0;
}

/* The deadline watch tells live clients about complaints whose due state changed. */
static void deadline_changed(json_t *row)
{
	api_complaint_publish(row, "deadline");
}

/* SIGTERM and SIGINT are taken synchronously (sigwait on *set) by the calling thread; threads
 * started after this never see them. SIGPIPE is ignored (peers that went away). */
static void block_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The regulator worker's news for the 报送管理 page and the alert banner (head-office scope). */
static void regulator_changed(const char *type, json_t *data)
{
	json_t *ev = json_pack("{s:s, s:O}", "kind", type, "data", data);
	events_publish("regulator", ev, "", 0, 0);
	json_decref(ev);
}

static int start_regulator(const struct config *cfg)
{
	struct regulator_config rc = {.timeout_ms = cfg->regulator_timeout_ms, .lease_s = cfg->regulator_lease_s,
				      .receipt_timeout_s = cfg->regulator_receipt_timeout_s,
				      .poll_ms = cfg->regulator_poll_ms};
	snprintf(rc.target, sizeof rc.target, "%s", cfg->regulator);
	snprintf(rc.ca_file, sizeof rc.ca_file, "%s", cfg->regulator_ca);
	snprintf(rc.cert_file, sizeof rc.cert_file, "%s", cfg->regulator_cert);
	snprintf(rc.key_file, sizeof rc.key_file, "%s", cfg->regulator_key);
	return regulator_worker_start(&rc, regulator_changed);
}

/* Passwords are checked against cracklib's dictionary; without it every password would be refused,
 * so the commands that set passwords stop at once with the reason. */
static int dictionary_ready(void)
{
	if (password_dictionary_ready() == 0)
		return 0;
	fprintf(stderr, "fcms: the password dictionary cannot be loaded (install the Debian package "
			"cracklib-runtime) / 密码字典不可用，请安装 cracklib-runtime\n");
	return -1;
}

/* The live-event relay between instances (PostgreSQL): the store carries the events, the
 * server's broker (http/events.h) publishes and delivers them. */
static void relay_start(const char *url)
{
	int rc = store_events_relay_start(url, events_deliver);
	if (rc < 0)
		log_warn("live events: cannot start the relay between instances");
	else if (rc == 1)
		events_set_relay(store_events_relay_publish);
}

static void relay_stop(void)
{
	events_set_relay(NULL);
	store_events_relay_stop();
}

/* The background jobs whose failure to start only costs a warning. cfg must outlive them. */
static void start_jobs(const struct config *cfg)
{
	char snap[1100];
	snprintf(snap, sizeof snap, "%s/report-index.snap", cfg->data_dir);
	facts_set_snapshot_path(snap);
	if (facts_start() != 0)
		log_warn("report index: cannot start the loader; reports load it on first use");
	if (report_ledger_start(cfg->data_dir) != 0)
		log_warn("ledger export: cannot start the background job");
	if (sms_worker_start(cfg) != 0)
		log_warn("sms: cannot start the sender; codes stay queued");
	if (import_job_start(cfg->data_dir) != 0)
		log_warn("import: cannot start the background job");
}

/* Stops what cmd_serve started, in an order where nothing still running needs what stopped:
 * no new requests first, the writer last. */
static void stop_all(struct app *app)
{
	regulator_worker_stop();
	reminders_stop();
	server_stop(app);
	sms_worker_stop();
	relay_stop();
	report_ledger_stop();
	import_job_stop();
	facts_stop();
	store_text_index_stop();
	store_writer_stop();
}

static int cmd_serve(int argc, char **argv)
{
	struct config cfg;
	enum crypto_profile cp;
	const enum crypto_profile *want;
	if (take_crypto_flag(&argc, argv, &cp, &want) != 0 || parse_options(argc, argv, &cfg) != 0)
		return 2;
	if (crypto_init(cfg.hash_concurrency) != 0 || dictionary_ready() != 0)
		return 1;
	security_policy_defaults(&cfg);
	store_set_list_count_ms(cfg.list_count_ms);
	if (!open_store_as(&cfg, true, want)) {
		store_release_thread();
		return 1;
	}
	struct app app = {.cfg = cfg, .routes = api_routes, .nroutes = api_route_count, .hooks = &api_http_hooks};
	app.web_fd = static_open_root(cfg.web_root);
	if (app.web_fd < 0)
		log_warn("no web UI at %s (run make); serving the API only", cfg.web_root);
	app.h5_fd = static_open_root(cfg.h5_root);

	sigset_t set;
	block_stop_signals(&set);
	log_buffering_start();
	/* The writer and the live-event relay run before the first request can reach them: a
	 * store_write before the writer started would write on the request thread's own connection. */
	char url[1100];
	if (store_writer_start(config_db_url(&cfg, url, sizeof url)) != 0) {
		store_release_thread();
		log_buffering_stop();
		return 1;
	}
	relay_start(url);
	if (server_start(&app) != 0) {
		relay_stop();
		store_writer_stop();
		store_release_thread();
		log_buffering_stop();
		return 1;
	}
	if (store_text_index_start(url) != 0)
		log_warn("text index: cannot start the background indexer; new complaints are found by scanning");
	if (reminders_start(cfg.reminder_interval_s, deadline_changed) != 0)
		log_warn("reminders: cannot start the background job");
	if (start_regulator(&cfg) != 0) {
		reminders_stop();
		server_stop(&app);
		relay_stop();
		store_text_index_stop();
		store_writer_stop();
		store_release_thread();
		log_buffering_stop();
		return 1;
	}
	start_jobs(&app.cfg);
	int sig = 0;
	sigwait(&set, &sig);
	log_info("signal %d: stopping (finishing in-flight requests)", sig);
	stop_all(&app);
	if (app.web_fd >= 0)
		close(app.web_fd);
	if (app.h5_fd >= 0)
		close(app.h5_fd);
	store_release_thread();
	pii_shutdown();
	log_info("stopped");
	log_buffering_stop();
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	struct config cfg;
	enum crypto_profile cp = CRYPTO_DEFAULT;
	const enum crypto_profile *want;
	if (take_crypto_flag(&argc, argv, &cp, &want) != 0 || parse_options(argc, argv, &cfg) != 0)
		return 2;
	if (crypto_init(cfg.hash_concurrency) != 0 || dictionary_ready() != 0)
		return 1;
	struct db *d = open_store_as(&cfg, true, want); /* without --crypto: as it is (new: default) */
	int64_t version = 0;
	if (d)
		store_schema_version(d, &version);
	store_release_thread();
	if (!d)
		return 1;
	printf("database ready (schema version %lld, crypto profile %s)\n", (long long)version,
	       crypto_profile_name(crypto_profile()));
	return 0;
}

static int cmd_audit_verify(int argc, char **argv)
{
	struct config cfg;
	if (parse_options(argc, argv, &cfg) != 0)
		return 2;
	if (crypto_init(1) != 0)
		return 1;
	struct db *d = open_store(&cfg, false);
	struct audit_verify_result v;
	int rc = d ? audit_verify(d, &v) : DB_HARD;
	store_release_thread();
	if (rc != DB_OK) {
		fprintf(stderr, "audit-verify: cannot read the audit log\n");
		return 2;
	}
	if (v.ok) {
		printf("audit chain intact: %lld events\n", (long long)v.events);
		return 0;
	}
	printf("audit chain BROKEN at event %lld: %s (%lld events read)\n", (long long)v.first_bad_seq,
	       v.reason, (long long)v.events);
	return 1;
}

static int cmd_seed_demo(int argc, char **argv)
{
	struct demo_options opt = {.complaints = 0, .seed = 1, .timelines = 20000, .password = "Demo@2026fcms",
				   .progress = true};
	/* seed-demo's own flags are taken out before the common ones are parsed. */
	char *rest[64];
	int n = 0;
	for (int i = 0; i < argc && n < 63; i++) {
		const char *a = argv[i];
		if (i + 1 < argc && !strcmp(a, "--complaints"))
			opt.complaints = strtoll(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(a, "--seed"))
			opt.seed = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(a, "--timelines"))
			opt.timelines = strtoll(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(a, "--until")) {
			int64_t ms;
			if (iso8601_parse(argv[++i], &ms) != 0) {
				fprintf(stderr, "--until wants an ISO 8601 time with offset\n");
				return 2;
			}
			opt.until = ms;
		} else
			rest[n++] = argv[i];
	}
	rest[n] = NULL;
	if (opt.complaints < 0 || opt.complaints > 100000000) {
		fprintf(stderr, "--complaints must be from 0 to 100000000\n");
		return 2;
	}
	if (opt.timelines > opt.complaints)
		opt.timelines = opt.complaints;
	struct config cfg;
	enum crypto_profile cp;
	const enum crypto_profile *want;
	if (take_crypto_flag(&n, rest, &cp, &want) != 0 || parse_options(n, rest, &cfg) != 0)
		return 2;
	if (crypto_init(cfg.hash_concurrency) != 0)
		return 1;
	struct db *d = open_store_as(&cfg, true, want);
	int rc = d ? demo_seed(d, &opt) : -1;
	store_release_thread();
	if (rc != 0)
		return 1;
	printf("演示账号 / demo accounts (password %s): xiaobao1 审核员(消保), tongji 统计员, lingdao 管理层查询,\n"
	       "  anquan 安全管理员, shenji 审计管理员, hq_handler / hq_registrar (总行), GD00_handler, GD01_registrar ...\n",
	       opt.password);
	return 0;
}

/* Takes the command's own flags (name → *value) out of argv; the rest go to parse_options.
 * Flags in bools take no value. Returns the count left in rest. */
static int take_flags(int argc, char **argv, const char *const *names, const char **values, int nnames, char **rest)
{
	int n = 0;
	for (int i = 0; i < argc && n < 63; i++) {
		int k = 0;
		while (k < nnames && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k < nnames && values[k] == NULL && i + 1 < argc)
			values[k] = argv[++i];
		else
			rest[n++] = argv[i];
	}
	rest[n] = NULL;
	return n;
}

/* fcms backup --to DIR | --verify DIR [--data DIR] [--db URL] (domain/backup.c) */
static int cmd_backup(int argc, char **argv)
{
	static const char *const names[] = {"--to", "--verify"};
	const char *v[2] = {NULL, NULL};
	char *rest[64];
	int n = take_flags(argc, argv, names, v, 2, rest);
	struct config cfg;
	if (parse_options(n, rest, &cfg) != 0 || (!v[0] == !v[1])) {
		fprintf(stderr, "usage: fcms backup --to DIR | --verify DIR [--data DIR] [--db URL]\n");
		return 2;
	}
	if (crypto_init(1) != 0)
		return 1;
	char url[1100];
	struct backup_opts o = {.data_dir = cfg.data_dir, .db_url = config_db_url(&cfg, url, sizeof url),
				.dir = v[0] ? v[0] : v[1], .version = FCMS_VERSION};
	if (v[1]) {
		o.target_db = cfg.db_url[0] ? cfg.db_url : NULL;
		return backup_verify(&o);
	}
	return backup_create(&o);
}

/* fcms restore --from DIR --data NEWDIR [--db URL] */
static int cmd_restore(int argc, char **argv)
{
	static const char *const names[] = {"--from"};
	const char *v[1] = {NULL};
	char *rest[64];
	int n = take_flags(argc, argv, names, v, 1, rest);
	struct config cfg;
	if (parse_options(n, rest, &cfg) != 0 || !v[0]) {
		fprintf(stderr, "usage: fcms restore --from DIR --data NEWDIR [--db URL]\n");
		return 2;
	}
	if (crypto_init(1) != 0)
		return 1;
	struct backup_opts o = {.dir = v[0], .target_data = cfg.data_dir,
				.target_db = cfg.db_url[0] ? cfg.db_url : NULL, .version = FCMS_VERSION};
	return backup_restore(&o);
}

/* fcms keys rotate|status|public [--data DIR] [--db URL] [--batch N] [--pause-ms N] [--grace-ms N]
 * [--to default|gm] */
static int cmd_keys(int argc, char **argv)
{
	static const char *const names[] = {"--batch", "--pause-ms", "--grace-ms", "--to"};
	const char *v[4] = {NULL, NULL, NULL, NULL};
	char *rest[64];
	const char *what = argc > 1 ? argv[1] : "";
	int n = take_flags(argc - 1, argv + 1, names, v, 4, rest);
	struct config cfg;
	enum crypto_profile to;
	if ((strcmp(what, "rotate") && strcmp(what, "status") && strcmp(what, "public")) ||
	    parse_options(n, rest, &cfg) != 0 || (v[3] && crypto_profile_parse(v[3], &to) != 0)) {
		fprintf(stderr, "usage: fcms keys rotate|status|public [--data DIR] [--db URL] [--batch N] [--pause-ms N] "
				"[--to default|gm]\n");
		return 2;
	}
	if (crypto_init(1) != 0)
		return 1;
	if (!open_store(&cfg, false)) {
		store_release_thread();
		return 1;
	}
	struct key_rotation_opts o = {.batch = v[0] ? atoll(v[0]) : 500, .pause_ms = v[1] ? atoll(v[1]) : 0,
				      .grace_ms = v[2] ? atoll(v[2]) : 2000, .to_profile = v[3] ? &to : NULL};
	int rc;
	if (strcmp(what, "public") == 0) {
		/* The manifests' signing key for the receiver (regulator, backup auditor). */
		char *pub = crypto_profile_public_key(crypto_profile());
		if (pub)
			fputs(pub, stdout);
		else
			fprintf(stderr, "keys public: no signing key for the %s profile\n", crypto_profile_name(crypto_profile()));
		rc = pub ? 0 : 1;
		free(pub);
	} else {
		rc = strcmp(what, "rotate") == 0 ? key_rotation_run(&o) : key_rotation_status();
	}
	store_release_thread();
	pii_shutdown();
	return rc;
}

static int cmd_routes(int argc, char **argv)
{
	for (size_t i = 0; i < api_route_count; i++)
		printf("%s %s\n", api_routes[i].method, api_routes[i].pattern);
	return 0;
}

static int cmd_regulator_sim(int argc, char **argv)
{
	sigset_t set;
	block_stop_signals(&set);
	return regulator_sim_main(argc, argv, &set);
}

static int cmd_sms_sim(int argc, char **argv)
{
	sigset_t set;
	block_stop_signals(&set);
	return sms_sim_main(argc, argv, &set);
}

/* fcms version [--data DIR] [--db URL]: with a database that exists, its crypto profile too. */
static int cmd_version(int argc, char **argv)
{
	printf("fcms %s\n", FCMS_VERSION);
	struct config cfg;
	char path[1200];
	if (parse_options(argc, argv, &cfg) != 0)
		return 2;
	snprintf(path, sizeof path, "%s/fcms.db", cfg.data_dir);
	if (!cfg.db_url[0] && access(path, F_OK) != 0)
		return 0;
	/* Read only: no migration, no key made. */
	char url[1100];
	enum crypto_profile p;
	struct db *d = store_init(config_db_url(&cfg, url, sizeof url)) == 0 ? store_conn() : NULL;
	int rc = d ? crypto_profile_load(d, &p) : DB_HARD;
	store_release_thread();
	if (rc != DB_OK) {
		fprintf(stderr, "version: cannot read the database's crypto profile\n");
		return 1;
	}
	struct crypto_algorithms a;
	crypto_algorithms(p, &a);
	printf("crypto profile: %s (seal %s, blind index %s, audit chain %s, signatures %s, passwords %s)\n",
	       crypto_profile_name(p), a.seal, a.mac, a.hash, a.sign, a.password);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{"serve", cmd_serve, "[--listen HOST:PORT] [--data DIR] [--db URL] [--config FILE] [--web DIR] [--regulator http://HOST:PORT/PATH | dir:/PATH]"},
	{"init", cmd_init, "[--data DIR] [--db URL] [--config FILE] [--crypto default|gm]   create or migrate the database, create the admin"},
	{"audit-verify", cmd_audit_verify, "[--data DIR] [--db URL]   verify the audit chain; exit 0 only if intact"},
	{"seed-demo", cmd_seed_demo, "[--data DIR] [--db URL] --complaints N [--seed S] [--until ISO] [--timelines N] [--crypto default|gm]"},
	{"regulator-sim", cmd_regulator_sim,
	 "--listen HOST:PORT [--dir PATH] [--fail-rate F] [--reject-rate F] [--malformed-rate F] [--latency-ms N] [--reject-codes C07,...] [--seed S] [--pubkey FILE]"},
	{"sms-sim", cmd_sms_sim, "--listen HOST:PORT   simulated SMS platform: logs codes, GET /messages?phone="},
	{"backup", cmd_backup, "--to DIR | --verify DIR [--data DIR] [--db URL]   online backup (passphrase: FCMS_BACKUP_PASSPHRASE or prompt)"},
	{"restore", cmd_restore, "--from DIR --data NEWDIR [--db URL]   restore into a new data dir (and an empty database)"},
	{"keys", cmd_keys, "rotate|status|public [--data DIR] [--db URL] [--batch N] [--to default|gm]   PII key rotation (and crypto profile moves) while the server runs; public prints the signing key"},
	{"routes", cmd_routes, "  print the HTTP route table"},
	{"version", cmd_version, "[--data DIR] [--db URL]   the version, and the database's crypto profile"},
};

static void usage(void)
{
	fprintf(stderr, "usage:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(stderr, "  fcms %s %s\n", commands[i].name, commands[i].usage);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "unknown command: %s\n", argv[1]);
	usage();
	return 2;
}
