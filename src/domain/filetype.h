/* Attachment types by content (magic bytes), never by the name or the client's Content-Type:
 * call recordings (audio), images, PDF and office documents are allowed; anything else is not. */
#ifndef FCMS_FILETYPE_H
#define FCMS_FILETYPE_H
#include <stddef.h>

/* The MIME type of data, or NULL when the content is not an allowed type. name (the original
 * file name) only chooses between formats that share a container (OOXML zip, OLE). */
const char *filetype_sniff(const unsigned char *data, size_t len, const char *name);

#endif
