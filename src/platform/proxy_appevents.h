/* App events on the function plane: @forge/events' appEvents.publish (2.x, 3.x), a POST
 * of {events: [{key}]} to fpp /forge/events/v1/app-events. Each key must be an `event`
 * module of the installed version (else it is one of the answer's failedEvents); the
 * event — avi:cloud:ecosystem::event/{app id}/{key} — becomes one DLV_SRC_APP delivery per
 * `trigger` module subscribed to it of every active installation ON THE PUBLISHER'S SITE
 * whose app the event module's allowedRecipients admits (Forge, events-reference/
 * app-events: "Other apps installed on the same site can listen to those events"; the
 * publishing app always, "*" any app, else the listed app ARIs
 * ari:cloud:ecosystem::app/{id}), all in one transaction; then the engine is kicked.
 * Installations of other sites never: the site is the publisher's own installation's.
 * The subscriber gets {eventType, key, eventId} (Forge documents no payload for it).
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
