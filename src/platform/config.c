#include "platform/config.h"

static platform_config_t C;

void platform_configure(const platform_config_t *c)
{
    C = *c;
}

const platform_config_t *platform_config(void)
{
    return &C;
}
