/* libsodium wrappers. Argon2id parameters are libsodium's INTERACTIVE set (ops 2, 64 MiB); a
 * counting semaphore keeps a burst of logins from taking N × 64 MiB of memory. */
#include "util/crypto.h"
#include <semaphore.h>
#include <sodium.h>
#include <string.h>

static sem_t hash_slots;
static char dummy_hash[crypto_pwhash_STRBYTES];

int crypto_init(int max_hashes)
{
	if (sodium_init() < 0)
		return -1;
	if (sem_init(&hash_slots, 0, (unsigned)(max_hashes < 1 ? 1 : max_hashes)) != 0)
		return -1;
	return crypto_password_hash("fcms-dummy-password", dummy_hash);
}

size_t crypto_token_len(size_t nbytes)
{
	return sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void crypto_random_token(char *out, size_t nbytes)
{
	unsigned char buf[64];
	if (nbytes > sizeof buf)
		nbytes = sizeof buf;
	randombytes_buf(buf, nbytes);
	sodium_bin2base64(out, crypto_token_len(nbytes), buf, nbytes,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(buf, sizeof buf);
}

void crypto_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, SHA256_HEX_LEN + 1, h, sizeof h);
}

int crypto_password_hash(const char *password, char out[128])
{
	while (sem_wait(&hash_slots) != 0)
		;
	int rc = crypto_pwhash_str(out, password, strlen(password),
				   crypto_pwhash_OPSLIMIT_INTERACTIVE,
				   crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sem_post(&hash_slots);
	return rc == 0 ? 0 : -1;
}

bool crypto_password_verify(const char *hash, const char *password)
{
	if (!hash || !*hash)
		return false;
	while (sem_wait(&hash_slots) != 0)
		;
	int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	sem_post(&hash_slots);
	return rc == 0;
}

void crypto_password_dummy_verify(const char *password)
{
	(void)crypto_password_verify(dummy_hash, password);
}

void crypto_random_password(char out[17])
{
	static const char *const classes[4] = {"abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ",
					       "23456789", "@#%+=!?"};
	for (int i = 0; i < 16; i++) {
		const char *set = classes[i < 4 ? (uint32_t)i : randombytes_uniform(3)];
		out[i] = set[randombytes_uniform((uint32_t)strlen(set))];
	}
	/* Shuffle so the class order is not predictable. */
	for (int i = 15; i > 0; i--) {
		uint32_t j = randombytes_uniform((uint32_t)i + 1);
		char t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
	out[16] = '\0';
}

bool crypto_str_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}
