/* The stylesheet of kiln's own plain pages (the sign-in form, messages), sent in a
 * nonce'd <style> (web_headers_plain): small enough that a second request for a CSS file
 * would cost more than it saves, and no page of kiln's needs 'unsafe-inline' for it. */
#ifndef KILN_WEB_PLAIN_H
#define KILN_WEB_PLAIN_H

extern const char web_plain_css[];

#endif
