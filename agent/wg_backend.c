#include <errno.h>
#include <string.h>

#include "log.h"
#include "wg_backend.h"

int wg_backend_pick(const char *mode, const struct wg_backend **out)
{
	if (!mode || !strcmp(mode, "auto")) {
		*out = wg_kernel_available() ? &wg_backend_kernel : &wg_backend_userspace;
		return 0;
	}
	if (!strcmp(mode, "kernel")) {
		if (!wg_kernel_available()) {
			log_error("wireguard backend kernel: the kernel has no wireguard module "
				  "(generic netlink family \"wireguard\" not found); use auto or "
				  "userspace");
			return -EPROTONOSUPPORT;
		}
		*out = &wg_backend_kernel;
		return 0;
	}
	if (!strcmp(mode, "userspace")) {
		*out = &wg_backend_userspace;
		return 0;
	}
	log_error("wireguard backend \"%s\" is not known (accepted: auto, kernel, userspace)",
		  mode);
	return -EINVAL;
}
