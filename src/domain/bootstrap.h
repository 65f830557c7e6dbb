/* First start: the root institution, the built-in roles and the bootstrap admin account. */
#ifndef FCMS_BOOTSTRAP_H
#define FCMS_BOOTSTRAP_H
#include <stdbool.h>

struct db;

/* Creates whatever is missing (idempotent). The admin's password is admin_password when given
 * (it must satisfy the default password policy), else a random one that must be changed at first
 * login; a newly created admin's login is printed to stdout once. Returns 0, or -1 after
 * printing why. */
int bootstrap_run(struct db *d, const char *admin_password);

#endif
