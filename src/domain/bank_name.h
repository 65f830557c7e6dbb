/* The bank's full name (机构全称, e.g. "某某银行股份有限公司"): the title of the printed
 * 投诉处理结单 ("<name> 金融消费者投诉处理结单"). The system administrator sets it; it is kept as
 * the `bank_name` row of the settings table. Until it is set, the name comes from the root
 * institution: its name without a trailing "总行" ("某某银行总行" → "某某银行"); a root called
 * only "总行" names no bank, and the title then carries none rather than "总行". */
#ifndef FCMS_BANK_NAME_H
#define FCMS_BANK_NAME_H
#include "domain/refusal.h"
#include <stdbool.h>
#include <stddef.h>

struct db;

#define BANK_NAME_MAX 60           /* characters (not bytes) */
#define BANK_NAME_BUF (100 * 4 + 1) /* UTF-8 room for an institution name (100 characters) */

struct bank_name {
	char name[BANK_NAME_BUF];      /* what the form prints: the stored name, else the default */
	char stored[BANK_NAME_BUF];    /* "" when the administrator has not set one */
	char fallback[BANK_NAME_BUF];  /* the default from the root institution ("" when none) */
};

/* Reads the name in force. 0, or a negative db status. */
int bank_name_get(struct db *d, struct bank_name *out);

/* Checks a name the administrator typed (shape already checked: a string of at most
 * BANK_NAME_MAX characters) and copies it into out (BANK_NAME_BUF bytes) without leading or
 * trailing blanks (ASCII and the ideographic space U+3000). 0, or 1 with *e (400 invalid_field on
 * bank_name) when it holds a line break or tab, or nothing but blanks. */
int bank_name_normalize(const char *in, char *out, struct refusal *e);

/* Stores the name (already normalized). 0, or a negative db status. May run twice. */
int bank_name_save(struct db *d, const char *name);

#endif
