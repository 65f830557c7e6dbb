/* Serving the built web UI (web/dist) with correct MIME types, long caching for hashed assets,
 * and no way out of the web root. */
#ifndef FCMS_STATIC_FILES_H
#define FCMS_STATIC_FILES_H
#include "http/request.h"

/* Opens the web root directory; returns its fd or -1 (then only the API is served). */
int static_open_root(const char *dir);
/* Replies with the file for r->path (GET/HEAD), index.html for "/" and for app routes without
 * a file extension, or 404. */
int static_serve(struct request *r);

/* The public consumer site (网上投诉, 投诉进度查询; issue 16): its own build (h5_root), under
 * this prefix, never the staff UI's files. r->path starts with "/h5" (the caller checked). */
#define STATIC_H5_PREFIX "/h5"
int static_serve_h5(struct request *r);

#endif
