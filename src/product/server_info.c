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
    reply_json_new(kr, 200,
                   json_pack("{s:s,s:s,s:[i,i,i],s:s,s:i,s:s,s:s,s:s,s:s}", "baseUrl", render_base(kr), "version",
                             "1001.0.0-SNAPSHOT", "versionNumbers", 1001, 0, 0, "deploymentType", "Cloud",
                             "buildNumber", 100000, "buildDate", KILN_BUILD_DATE, "serverTime", now, "scmInfo",
                             KILN_VERSION, "serverTitle", kr->site.name));
}
