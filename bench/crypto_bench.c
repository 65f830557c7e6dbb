/* Micro-benchmark of util/crypto.h under both profiles, in one run: sealing and opening an
 * identity (the ~150-byte JSON fcms seals per complaint), the blind-index MAC, the audit-chain
 * hash of a ~400-byte event, signing and verifying a manifest, and one password hash. Prints
 * operations per second per profile and the gm/default ratio. Built by bench/crypto.sh with -O2
 * against src/util/crypto.c and crypto_gm.c only. */
#include "util/crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *ident = "{\"address\":\"北京市朝阳区建国路1号\",\"gender\":\"female\",\"id_no\":\"11010519491231002X\","
			   "\"id_type\":\"01\",\"name\":\"测试客户\",\"phone\":\"13800001234\"}";

/* ops/s of one operation for about secs seconds. */
#define RATE(secs, body)                                                                                 \
	({                                                                                               \
		long n_ = 0;                                                                             \
		double t0_ = now(), t_;                                                                  \
		do {                                                                                     \
			for (int i_ = 0; i_ < 64; i_++) {                                                \
				body;                                                                    \
			}                                                                                \
			n_ += 64;                                                                        \
		} while ((t_ = now() - t0_) < (secs));                                                   \
		(double)n_ / t_;                                                                         \
	})

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	if (crypto_init(1) != 0)
		return 1;
	static const char *const names[] = {"seal identity", "open identity", "blind index (MAC)", "audit hash (400 B)",
					    "sign manifest (4 KB)", "verify manifest", "password hash"};
	double r[2][7];
	size_t mlen = strlen(ident);
	char event[400], manifest[4096];
	memset(event, 'e', sizeof event);
	memset(manifest, 'm', sizeof manifest);
	for (int p = 0; p < 2; p++) {
		enum crypto_profile pr = (enum crypto_profile)p;
		unsigned char key[CRYPTO_KEY_BYTES], sealed[512], out[512], h[32];
		size_t olen;
		crypto_seal_keygen(key);
		size_t slen = mlen + crypto_seal_overhead(pr);
		r[p][0] = RATE(secs, crypto_seal(pr, key, "sm4-00000000", 12, ident, mlen, sealed));
		r[p][1] = RATE(secs, if (crypto_open(pr, key, "sm4-00000000", 12, sealed, slen, out, &olen) != 0) return 2);
		r[p][2] = RATE(secs, crypto_mac(pr, key, 32, "\x01" "11010519491231002X", 19, h));
		r[p][3] = RATE(secs, crypto_digest(pr, event, sizeof event, h));
		char *sk, *pk, *sig = NULL;
		if (crypto_sig_keypair(pr, &sk, &pk) != 0 || crypto_sig_sign(pr, sk, manifest, sizeof manifest, &sig) != 0)
			return 3;
		r[p][4] = RATE(secs, char *s_; crypto_sig_sign(pr, sk, manifest, sizeof manifest, &s_); free(s_));
		r[p][5] = RATE(secs, if (!crypto_sig_verify(pr, pk, manifest, sizeof manifest, sig)) return 4);
		crypto_set_profile(pr);
		char ph[CRYPTO_PASSWORD_HASH_MAX];
		double t0 = now();
		int n = 0;
		do {
			crypto_password_hash("Correct#Horse9", ph);
			n++;
		} while (now() - t0 < secs);
		r[p][6] = n / (now() - t0);
		free(sk);
		free(pk);
		free(sig);
	}
	printf("%-22s %14s %14s %8s\n", "operation (ops/s)", "default", "gm", "gm/def");
	for (int i = 0; i < 6; i++)
		printf("%-22s %14.0f %14.0f %7.2fx\n", names[i], r[0][i], r[1][i], r[1][i] / r[0][i]);
	printf("%-22s %11.1f ms %11.1f ms %7.2fx\n", "password hash (time)", 1e3 / r[0][6], 1e3 / r[1][6],
	       r[0][6] / r[1][6]);
	return 0;
}
