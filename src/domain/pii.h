/* Personal financial information (complainant identity, JR/T 0171 class C2): encryption at rest,
 * keyed blind indexes for exact lookups, and masking for display.
 *
 * Keys live in DATA/keys (directory 0700, files 0600): pii-<id>.key (32 bytes, XChaCha20-Poly1305)
 * with the id of the current one in DATA/keys/current, and bidx.key (32 bytes, HMAC-SHA-256 for
 * blind indexes; never rotated, or lookups of old rows would break). Every ciphertext records the
 * id of the key that sealed it, so a new key can be introduced while old rows still open.
 * Several instances sharing a PostgreSQL database must share these key files (one keys dir on
 * shared storage): a key created by `fcms keys rotate` is loaded by every instance the first
 * time it meets its id (a value to open, or the current id recorded in the database). */
#ifndef FCMS_PII_H
#define FCMS_PII_H
#include <stdbool.h>
#include <stddef.h>

/* Loads the keys from data_dir/keys, creating them on first use. 0 on success, -1 (printed). */
int pii_init(const char *data_dir);
/* Forgets the loaded keys (wiped from memory). */
void pii_shutdown(void);
/* Id of the current encryption key (8 hex chars). */
const char *pii_key_id(void);
/* Seals plaintext with the current key: base64 of nonce || ciphertext. Caller frees; NULL on
 * failure. */
char *pii_encrypt(const char *plaintext);
/* Seals with the key key_id (loaded from the keys dir on first use); NULL when it is unknown.
 * Writers choose the key through key_rotation_seal(), which reads the current id in their
 * transaction. */
char *pii_encrypt_with(const char *key_id, const char *plaintext);
/* Opens a value sealed with key key_id. Caller frees (and should wipe); NULL when the key is
 * unknown or the value was tampered with. */
char *pii_decrypt(const char *key_id, const char *sealed);

/* Key files for rotation (any thread; the keys dir is the one pii_init loaded).
 * create: a new random key file pii-<id>.key (0600), loaded; 0 or -1.
 * make_current: writes keys/current (atomically) and seals with it from now on in this process.
 * known: true when a key with this id is loaded or can be loaded from the keys dir.
 * file_ids: the ids of the key files in the dir (at most max); count or -1.
 * remove: deletes the key file (not the current one); this process keeps its copy in memory, so
 * the caller must first make sure no row uses the key. 0 or -1. */
int pii_key_create(char out_id[9]);
int pii_key_make_current(const char *key_id);
bool pii_key_known(const char *key_id);
int pii_key_file_ids(char ids[][9], int max);
int pii_key_remove(const char *key_id);

enum pii_kind { PII_NAME, PII_ID_NO, PII_PHONE };
/* Blind index of a value after normalisation (trimmed; ID numbers upper-case; phones digits
 * only): 32 hex chars + NUL into out. Empty values give an empty string. */
void pii_blind_index(enum pii_kind kind, const char *value, char out[33]);

/* Masking (UTF-8 aware): 张三 -> 张*, 欧阳娜娜 -> 欧***; 110101199001011234 -> 1101**********1234;
 * a mobile number (11 digits) 13800000000 -> 138****0000, any other phone keeps 2 + 2; an
 * identifier or phone too short to hide more than it shows keeps at most a third of its
 * characters (E12345678 -> E1******8, 87654321 -> 8******1); an address keeps its first 6
 * characters. out gets at most n bytes. */
void pii_mask(enum pii_kind kind, const char *value, char *out, size_t n);
void pii_mask_address(const char *value, char *out, size_t n);

#endif
