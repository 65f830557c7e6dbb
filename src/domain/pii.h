/* Personal financial information (complainant identity, JR/T 0171 class C2): encryption at rest,
 * keyed blind indexes for exact lookups, and masking for display.
 *
 * Keys live in DATA/keys (directory 0700, files 0600): pii-<id>.key (32 bytes) with the id of the
 * current one in DATA/keys/current. The id names the crypto profile (util/crypto.h): 8 hex chars
 * for default keys, "sm4-" + 8 hex for gm keys, so each row's pii_key_id says how it is sealed.
 * Blind indexes use one key per profile, bidx.key and bidx-gm.key (32 bytes each; never rotated
 * within a profile, or lookups of old rows would break): a row's indexes are in the family of the
 * key that sealed it, and re-sealing under another profile re-indexes it (key_rotation.c). Every
 * ciphertext records the id of the key that sealed it, so a new key can be introduced while old
 * rows still open.
 * Several instances sharing a PostgreSQL database must share these key files (one keys dir on
 * shared storage): a key created by `fcms keys rotate` is loaded by every instance the first
 * time it meets its id (a value to open, or the current id recorded in the database). */
#ifndef FCMS_PII_H
#define FCMS_PII_H
#include <stdbool.h>
#include <stddef.h>
#include "util/crypto.h"

/* A key id with its NUL. */
#define PII_KEY_ID_SIZE CRYPTO_KEY_ID_SIZE

/* Loads the keys from data_dir/keys, creating them on first use. 0 on success, -1 (printed). */
int pii_init(const char *data_dir);
/* Forgets the loaded keys (wiped from memory). */
void pii_shutdown(void);
/* Id of the current encryption key (borrowed). */
const char *pii_key_id(void);
/* Seals plaintext with the current key: base64 of the sealed value (util/crypto.h: nonce,
 * ciphertext, tag; the key id authenticated with it). Caller frees; NULL on failure. */
char *pii_encrypt(const char *plaintext);
/* Seals with the key key_id (loaded from the keys dir on first use); NULL when it is unknown.
 * Writers choose the key through key_rotation_seal(), which reads the current id in their
 * transaction. */
char *pii_encrypt_with(const char *key_id, const char *plaintext);
/* Opens a value sealed with key key_id. Caller frees (and should wipe); NULL when the key is
 * unknown or the value was tampered with. */
char *pii_decrypt(const char *key_id, const char *sealed);

/* Key files for rotation (any thread; the keys dir is the one pii_init loaded).
 * create: a new random key file pii-<id>.key (0600) of profile p, loaded (and the profile's
 * blind-index key, made when missing); 0 or -1.
 * make_current: writes keys/current (atomically) and seals with it from now on in this process.
 * known: true when a key with this id is loaded or can be loaded from the keys dir.
 * file_ids: the ids of the key files in the dir (at most max); count or -1.
 * remove: deletes the key file (not the current one); this process keeps its copy in memory, so
 * the caller must first make sure no row uses the key. 0 or -1. */
int pii_key_create(enum crypto_profile p, char out_id[PII_KEY_ID_SIZE]);
int pii_key_make_current(const char *key_id);
bool pii_key_known(const char *key_id);
int pii_key_file_ids(char ids[][PII_KEY_ID_SIZE], int max);
int pii_key_remove(const char *key_id);
/* True when name is a PII key file name (pii-<id>.key); the id into id. */
bool pii_key_id_from_file(const char *name, char id[PII_KEY_ID_SIZE]);
/* The keys dir pii_init loaded (borrowed; "" before). */
const char *pii_keys_dir(void);

enum pii_kind { PII_NAME, PII_ID_NO, PII_PHONE };
/* Blind index of a value after normalisation (trimmed; ID numbers upper-case; phones digits
 * only) in the family of the sealing key key_id: 32 hex chars + NUL into out. Empty values give
 * an empty string. 0, or -1 when key_id names no profile or its blind-index key is missing. */
int pii_blind_index_for(const char *key_id, enum pii_kind kind, const char *value, char out[33]);
/* Blind index in the family of the current sealing key (pii_key_id()), for keyed hashes kept
 * only briefly and compared by this same rule (SMS codes, consumer sessions, challenges). Rows a
 * rotation may re-index are looked up with pii_blind_indexes instead. Empty out when the key
 * family has no blind-index key (cannot happen after a successful pii_init; logged). */
void pii_blind_index(enum pii_kind kind, const char *value, char out[33]);
/* For lookups: the value's blind index in every family this process has a key for (rows sealed
 * under either profile are found while a rotation moves them). The count written to out (1 or 2). */
int pii_blind_indexes(enum pii_kind kind, const char *value, char out[2][33]);

/* Masking (UTF-8 aware): 张三 -> 张*, 欧阳娜娜 -> 欧***; 110101199001011234 -> 1101**********1234;
 * a mobile number (11 digits) 13800000000 -> 138****0000, any other phone keeps 2 + 2; an
 * identifier or phone too short to hide more than it shows keeps at most a third of its
 * characters (E12345678 -> E1******8, 87654321 -> 8******1); an address keeps its first 6
 * characters. out gets at most n bytes. */
void pii_mask(enum pii_kind kind, const char *value, char *out, size_t n);
void pii_mask_address(const char *value, char *out, size_t n);

#endif
