/* A nullable integer: a value with a flag saying whether it is there (SQL NULL, a JSON member
 * absent or null). Shared by the typed complaint record and the JSON input specs. */
#ifndef FCMS_OPT_INT_H
#define FCMS_OPT_INT_H
#include <stdbool.h>
#include <stdint.h>

struct opt_int {
	int64_t v;
	bool set;
};
#define OPT_SOME(x) ((struct opt_int){(int64_t)(x), true})
#define OPT_NONE ((struct opt_int){0, false})

#endif
