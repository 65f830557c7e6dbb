/* Attachment types by content (magic bytes), never by the name or the client's Content-Type:
 * call recordings (audio), images, PDF and office documents are allowed; anything else is not. */
#ifndef FCMS_FILETYPE_H
#define FCMS_FILETYPE_H
#include <stdbool.h>
#include <stddef.h>

/* The MIME type of data, or NULL when the content is not an allowed type. name (the original
 * file name) only chooses between formats that share a container (OOXML zip, OLE). */
const char *filetype_sniff(const unsigned char *data, size_t len, const char *name);
/* True when name ends in an extension of the content type mime (from filetype_sniff), any
 * letter case: evidence.pdf for a PDF, never evidence.html, recording.hta or photo.bat, so the
 * name a download carries never makes the browser or the desktop run the file as something else. */
bool filetype_name_matches(const char *mime, const char *name);
/* The extensions of mime, e.g. ".jpg/.jpeg", for messages; "" when unknown. Static string. */
const char *filetype_extensions(const char *mime);

#endif
