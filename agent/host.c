#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cidr.h"
#include "host.h"

int host_addresses(struct cidr_list *list)
{
	struct ifaddrs *ifa, *i;
	int ret = 0;

	if (getifaddrs(&ifa))
		return -errno;
	cidr_list_free(list);
	for (i = ifa; i && !ret; i = i->ifa_next) {
		struct cidr c = { 0 };
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			c.family = AF_INET;
			c.prefix = 32;
			memcpy(c.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			c.family = AF_INET6;
			c.prefix = 128;
			memcpy(c.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		ret = cidr_list_add(list, &c);
	}
	freeifaddrs(ifa);
	return ret;
}

int host_ip_forward(char *err, size_t errlen)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char cur = '0';
	int fd, ret = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (read(fd, &cur, 1) == 1 && cur == '1')
		goto out;
	if (pwrite(fd, "1\n", 2, 0) != 2)
		ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(err, errlen, "cannot enable net.ipv4.ip_forward (%s): forwards will not pass",
			 strerror(-ret));
	return ret;
}
