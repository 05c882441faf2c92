/* GET /rest/api/3/serverInfo */
#include "base/clock.h"
#include "http/reply.h"
#include "product/render.h"
#include "product/routes.h"
#include "version.h"

void server_info(kreq_t *kr)
{
    char now[40];
    clock_iso8601(now, sizeof now, clock_now_ms());
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "baseUrl", render_base(kr));
    jw_kstr(w, "version", "1001.0.0-SNAPSHOT");
    jw_key(w, "versionNumbers");
    jw_arr(w);
    jw_int(w, 1001);
    jw_int(w, 0);
    jw_int(w, 0);
    jw_arr_end(w);
    jw_kstr(w, "deploymentType", "Cloud");
    jw_kint(w, "buildNumber", 100000);
    jw_kstr(w, "buildDate", KILN_BUILD_DATE);
    jw_kstr(w, "serverTime", now);
    jw_kstr(w, "scmInfo", KILN_VERSION);
    jw_kstr(w, "serverTitle", kr->site.name);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
