#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>

#include "cidr.h"
#include "host.h"
#include "nl.h"

/* Contiguous masks only, as the kernel keeps them; no mask: a host address. */
static uint8_t netmask_bits(const struct sockaddr *mask, int family)
{
	size_t n = family == AF_INET ? 4 : 16;
	const uint8_t *m;
	unsigned bits = 0;

	if (!mask)
		return (uint8_t)(n * 8);
	m = family == AF_INET ? (const uint8_t *)&((const struct sockaddr_in *)mask)->sin_addr :
		(const uint8_t *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
	for (size_t i = 0; i < n; i++)
		bits += (unsigned)__builtin_popcount(m[i]);
	return (uint8_t)bits;
}

static bool skipped(const char *name, const char *const *skip, size_t n_skip)
{
	for (size_t k = 0; k < n_skip; k++)
		if (!strcmp(name, skip[k]))
			return true;
	return false;
}

int host_networks(struct cidr_list *list, const char *const *skip, size_t n_skip)
{
	struct ifaddrs *ifa, *i;
	int ret = 0;

	if (getifaddrs(&ifa))
		return -errno;
	cidr_list_free(list);
	for (i = ifa; i && !ret; i = i->ifa_next) {
		struct cidr c = { 0 };
		if (!i->ifa_addr || skipped(i->ifa_name, skip, n_skip))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			c.family = AF_INET;
			memcpy(c.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			c.family = AF_INET6;
			memcpy(c.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		c.prefix = netmask_bits(i->ifa_netmask, c.family);
		ret = cidr_list_add(list, &c);
	}
	freeifaddrs(ifa);
	return ret;
}

int host_addresses(struct cidr_list *list)
{
	int ret = host_networks(list, NULL, 0);

	for (size_t i = 0; !ret && i < list->n; i++)
		list->v[i].prefix = list->v[i].family == AF_INET ? 32 : 128;
	return ret;
}

static bool loopback4(uint32_t raw)
{
	struct in_addr a = { .s_addr = raw };     /* /proc prints the address as stored */

	return (ntohl(a.s_addr) >> 24) == 127;
}

static bool loopback6(const char *hex)
{
	struct in6_addr a;
	char word[9] = "";

	for (int i = 0; i < 4; i++) {
		memcpy(word, hex + 8 * i, 8);
		a.s6_addr32[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
}

/* One /proc/net table; a missing one (no IPv6) adds nothing. */
static int listening_read(const char *path, bool v6, bool tcp, struct port_set *set)
{
	char line[512], local[64], remote[64];
	unsigned state, port, rport;
	FILE *f = fopen(path, "re");
	char *colon;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %63s %63s %x", local, remote, &state) != 3)
			continue;
		colon = strchr(local, ':');
		if (!colon || (size_t)(colon - local) != (v6 ? 32u : 8u) ||
		    sscanf(colon + 1, "%x", &port) != 1 || port > 65535)
			continue;
		if (tcp ? state != 0x0A : (state != 0x07 || !strchr(remote, ':') ||
		    sscanf(strchr(remote, ':') + 1, "%x", &rport) != 1 || rport != 0))
			continue;
		*colon = '\0';
		if (v6 ? loopback6(local) : loopback4((uint32_t)strtoul(local, NULL, 16)))
			continue;
		set->bits[tcp ? PROTO_TCP : PROTO_UDP][port / 8] |= (uint8_t)(1u << (port % 8));
	}
	fclose(f);
	return 0;
}

static int diag_listener(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct port_set *set = data;
	struct in6_addr a6;
	uint16_t port;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	port = ntohs(m->id.idiag_sport);
	memcpy(&a6, m->id.idiag_src, sizeof(a6));
	if (m->idiag_family == AF_INET ? loopback4(m->id.idiag_src[0]) :
	    IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127))
		return MNL_CB_OK;
	set->bits[PROTO_TCP][port / 8] |= (uint8_t)(1u << (port % 8));
	return MNL_CB_OK;
}

/*
 * TCP listeners through sock_diag: the kernel walks its listening sockets only, where
 * /proc/net/tcp walks every bucket of the established table (about 1.5 ms each for tcp
 * and tcp6 here, whatever the number of sockets).
 */
static int listening_diag(int family, struct port_set *set)
{
	_Alignas(struct nlmsghdr) char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2))];
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *req;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = 1u << TCP_LISTEN;
	return nl_request(NETLINK_SOCK_DIAG, nlh, diag_listener, set);
}

int host_listening(struct port_set *set)
{
	int ret;

	memset(set, 0, sizeof(*set));
	ret = listening_diag(AF_INET, set);
	if (!ret)
		ret = listening_diag(AF_INET6, set);
	if (ret) {
		memset(set, 0, sizeof(*set));
		ret = listening_read("/proc/net/tcp", false, true, set);
		if (!ret)
			ret = listening_read("/proc/net/tcp6", true, true, set);
	}
	if (!ret)
		ret = listening_read("/proc/net/udp", false, false, set);
	if (!ret)
		ret = listening_read("/proc/net/udp6", true, false, set);
	return ret;
}

int host_sysctl(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

int host_ip_forward(char *err, size_t errlen)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char cur = '0';
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (read(fd, &cur, 1) == 1 && cur == '1')
		goto out;
	ret = host_sysctl(path, "1\n");
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(err, errlen, "cannot enable net.ipv4.ip_forward (%s): forwards will not pass",
			 strerror(-ret));
	return ret;
}
