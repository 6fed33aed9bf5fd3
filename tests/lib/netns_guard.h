/* For test drivers that touch the kernel: run only inside the namespace the shell made. */
#ifndef EDGE_NETNS_GUARD_H
#define EDGE_NETNS_GUARD_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The namespace named in EDGE_TEST_NETNS (under /run/netns), and not PID 1's. */
static inline bool in_private_netns(void)
{
	const char *name = getenv("EDGE_TEST_NETNS");
	struct stat self, named, init;
	char path[256];

	if (!name || !*name || strchr(name, '/'))
		return false;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat("/proc/self/ns/net", &self) || stat(path, &named))
		return false;
	if (stat("/proc/1/ns/net", &init) == 0 &&
	    self.st_ino == init.st_ino && self.st_dev == init.st_dev)
		return false;
	return self.st_ino == named.st_ino && self.st_dev == named.st_dev;
}

#endif
