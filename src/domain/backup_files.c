/* Backup (see backup.h): the small file helpers — whole-file reads and writes, tree copies and
 * removal, the hashed file list of a manifest — and the operator's passphrase. */
#include "domain/backup.h"
#include "domain/backup_internal.h"
#include "domain/audit.h"
#include "domain/crypto_profile.h"
#include "domain/pii.h"
#include "store/backup.h"
#include "store/store.h"
#include "util/log.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- small file helpers ---- */

int backup_read_file(const char *path, unsigned char **buf, size_t *len, size_t max)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		return -1;
	}
	unsigned char *b = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (b && got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!b || got != (size_t)st.st_size) {
		free(b);
		return -1;
	}
	*buf = b;
	*len = got;
	return 0;
}

int backup_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	const unsigned char *p = buf;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int backup_copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t r;
	int rc = 0;
	while ((r = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));
			if (w <= 0) {
				rc = -1;
				break;
			}
			off += w;
		}
		if (rc)
			break;
	}
	if (r < 0 || fsync(out) != 0)
		rc = -1;
	close(in);
	close(out);
	return rc;
}

void backup_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Copies the regular files under from (recursively) into to; symlinks and others are skipped. */
int backup_copy_tree(const char *from, const char *to)
{
	DIR *dh = opendir(from);
	if (!dh)
		return errno == ENOENT ? 0 : -1;
	if (mkdir(to, 0700) != 0 && errno != EEXIST) {
		closedir(dh);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(dh))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char a[1200], b[1200];
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to, e->d_name);
		struct stat st;
		if (lstat(a, &st) != 0)
			continue; /* gone meanwhile (an export expired) */
		if (S_ISDIR(st.st_mode))
			rc = backup_copy_tree(a, b);
		else if (S_ISREG(st.st_mode) && backup_copy_file(a, b) != 0 && errno != ENOENT)
			rc = -1;
	}
	closedir(dh);
	backup_fsync_dir(to);
	return rc;
}

void backup_rm_tree(const char *path)
{
	DIR *dh = opendir(path);
	if (dh) {
		struct dirent *e;
		while ((e = readdir(dh))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char p[1200];
			snprintf(p, sizeof p, "%s/%s", path, e->d_name);
			struct stat st;
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				backup_rm_tree(p);
			else
				unlink(p);
		}
		closedir(dh);
	}
	rmdir(path);
}

/* 1 when path does not exist or is an empty directory, 0 when it has something, -1 when it is
 * not a directory. */
int backup_absent_or_empty(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT ? 1 : -1;
	if (!S_ISDIR(st.st_mode))
		return -1;
	DIR *dh = opendir(path);
	if (!dh)
		return -1;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(dh);
	return empty;
}

int backup_sha256_file(const char *path, char hex[65], int64_t *size)
{
	long long n = 0;
	int rc = crypto_digest_file_hex(CRYPTO_DEFAULT, path, hex, &n);
	if (rc == 0 && size)
		*size = n;
	return rc;
}

/* Appends {path, size, sha256} for every regular file under root/rel to files, except the
 * manifest and the key bundle (which the passphrase authenticates). */
int backup_list_files(const char *root, const char *rel, json_t *files)
{
	char dir[1200];
	snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		char r[1200], p[2400];
		snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", nm);
		snprintf(p, sizeof p, "%s/%s", root, r);
		struct stat st;
		if (rc || !strcmp(nm, ".") || !strcmp(nm, "..") || (!*rel && (!strcmp(nm, "manifest.json") ||
									       !strcmp(nm, "keys.sealed"))) ||
		    lstat(p, &st) != 0)
			;
		else if (S_ISDIR(st.st_mode))
			rc = backup_list_files(root, r, files);
		else if (S_ISREG(st.st_mode)) {
			char hex[65];
			int64_t size;
			if (backup_sha256_file(p, hex, &size) != 0)
				rc = -1;
			else
				json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", r, "size", (json_int_t)size,
								       "sha256", hex));
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- passphrase ---- */

/* The operator's passphrase: FCMS_BACKUP_PASSPHRASE, else asked on the terminal without echo
 * (twice when confirm). 0, or -1 after saying why. */
int backup_get_passphrase(bool confirm, char *out, size_t n)
{
	const char *env = getenv("FCMS_BACKUP_PASSPHRASE");
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty) {
		fprintf(stderr, "备份口令：请设置 FCMS_BACKUP_PASSPHRASE，或在终端上运行以便输入 / no passphrase: set "
				"FCMS_BACKUP_PASSPHRASE or run on a terminal\n");
		return -1;
	}
	struct termios old, quiet;
	bool restore = tcgetattr(fileno(tty), &old) == 0;
	for (int round = 0; round < (confirm ? 2 : 1); round++) {
		char buf[512] = "";
		fprintf(tty, round ? "再次输入备份口令 / repeat: " : "备份口令 / backup passphrase: ");
		fflush(tty);
		if (restore) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
		}
		char *got = fgets(buf, sizeof buf, tty);
		if (restore)
			tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fprintf(tty, "\n");
		buf[strcspn(buf, "\r\n")] = '\0';
		if (!got) {
			fclose(tty);
			return -1;
		}
		if (round == 0)
			snprintf(out, n, "%s", buf);
		else if (strcmp(out, buf) != 0) {
			crypto_wipe(buf, sizeof buf);
			fclose(tty);
			fprintf(stderr, "两次输入的备份口令不一致 / the passphrases differ\n");
			return -1;
		}
		crypto_wipe(buf, sizeof buf);
	}
	fclose(tty);
	return 0;
}

int backup_copy_folders(const char *from, const char *to, const char *who)
{
	static const char *const folders[] = {"attachments", "exports"};
	for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
		char src[1300], dst[1300];
		snprintf(src, sizeof src, "%s/%s", from, folders[i]);
		snprintf(dst, sizeof dst, "%s/%s", to, folders[i]);
		if (backup_copy_tree(src, dst) != 0) {
			fprintf(stderr, "%s: cannot copy %s\n", who, src);
			return -1;
		}
	}
	return 0;
}
