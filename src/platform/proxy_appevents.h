/* App events on the function plane: @forge/events' appEvents.publish (2.x, 3.x), a POST
 * of {events: [{key}]} to fpp /forge/events/v1/app-events. Each key must be an `event`
 * module of the installed version (else it is one of the answer's failedEvents); the
 * event — avi:cloud:ecosystem::event/{app id}/{key} — becomes one DLV_SRC_APP delivery per
 * `trigger` module of the SAME installation subscribed to it (in one transaction), then
 * the engine is kicked. Other apps on the site (Forge's allowedRecipients) get nothing:
 * kiln delivers an app's events to itself only.
 *
 * Answers as the library reads them: 200 {failedEvents: [{event: {key}, errorMessage}]};
 * 400 {errorMessages: [...]} for a malformed request (no events, more than
 * APPEVENTS_MAX, a key that is not a string). */
#ifndef KILN_PROXY_APPEVENTS_H
#define KILN_PROXY_APPEVENTS_H

#include "auth/invocation.h"
#include "http/request.h"

#define APPEVENTS_MAX 10 /* events of one publish (Forge) */

/* fpp POST /forge/events/v1/app-events: 1 if this is one. */
int proxy_appevents_match(kreq_t *kr);
void proxy_appevents(kreq_t *kr, const invocation_t *inv);

#endif
