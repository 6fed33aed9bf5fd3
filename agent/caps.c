#include <errno.h>
#include <string.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"

bool caps_share(void)
{
	static const int shared[] = { CAP_NET_ADMIN, CAP_NET_RAW };
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	uint32_t bit;

	if (syscall(SYS_capget, &h, d))
		return false;
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		bit = CAP_TO_MASK(shared[i]);
		if (d[0].permitted & bit) {
			d[0].effective |= bit;
			d[0].inheritable |= bit;
		}
	}
	if (syscall(SYS_capset, &h, d))
		log_debug("capabilities: cannot raise them: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (d[0].permitted & CAP_TO_MASK(shared[i]))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)shared[i], 0UL, 0UL);
	return d[0].effective & CAP_TO_MASK(CAP_NET_ADMIN);
}
