#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "wg_backend.h"
#include "wg_key.h"
#include "wg_uapi.h"

#define UAPI_DEADLINE_S 5               /* a whole call: replacing 10,000 peers takes ~1 s */
#define UAPI_REPLY_MAX_MIB 16           /* a get of JOIN_MAX_PEERS peers is ~4 MiB */
#define UAPI_REPLY_MAX ((size_t)UAPI_REPLY_MAX_MIB << 20)
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)
#define UAPI_START_TIMEOUT_MS 5000
#define UAPI_READ_CHUNK 65536

static int uapi_addr(const char *ifname, struct sockaddr_un *sun)
{
	int n;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return -EINVAL;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.sock", WG_UAPI_DIR, ifname);
	return n < 0 || (size_t)n >= sizeof(sun->sun_path) ? -ENAMETOOLONG : 0;
}

/* Non-blocking: every wait below is bounded by the call's deadline. */
static int uapi_connect(const char *ifname, int *out)
{
	struct sockaddr_un sun;
	int fd, ret;

	ret = uapi_addr(ifname, &sun);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = errno == EAGAIN ? -ETIMEDOUT : -errno;   /* a listener that never accepts */
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

/*
 * One request, one reply (through its blank line); wireguard-go keeps the socket open.
 * The whole exchange has one deadline and the reply a size cap, so a wedged or hostile
 * socket costs at most UAPI_DEADLINE_S and UAPI_REPLY_MAX.
 */
static int uapi_call(const char *ifname, const char *req, size_t len, struct strbuf *reply)
{
	int64_t deadline = clock_ms() + UAPI_DEADLINE_S * 1000;
	size_t off = 0;
	ssize_t n;
	int fd = -1, ret;

	ret = uapi_connect(ifname, &fd);
	while (!ret && off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n >= 0)
			off += (size_t)n;
		else if (errno == EAGAIN)
			ret = clock_wait(fd, POLLOUT, deadline);
		else if (errno != EINTR)
			ret = -errno;
	}
	while (!ret) {
		char chunk[UAPI_READ_CHUNK];

		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0) {
			if (errno == EAGAIN)
				ret = clock_wait(fd, POLLIN, deadline);
			else if (errno != EINTR)
				ret = -errno;
			continue;
		}
		if (n == 0 || reply->len + (size_t)n > UAPI_REPLY_MAX) {
			ret = n ? -EMSGSIZE : -EPROTO;
			break;
		}
		off = reply->len ? reply->len - 1 : 0;
		strbuf_add(reply, chunk, (size_t)n);
		ret = reply->err;
		if (!ret && wg_uapi_reply_len(reply->buf + off, reply->len - off))
			break;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static const char *uapi_strerror(int ret)
{
	if (ret == -ETIMEDOUT)
		return "no complete reply within " TEXT(UAPI_DEADLINE_S) " s";
	if (ret == -EMSGSIZE)
		return "reply over " TEXT(UAPI_REPLY_MAX_MIB) " MiB";
	return strerror(-ret);
}

static int uapi_get(const char *ifname, struct wg_device *out)
{
	static const char req[] = "get=1\n\n";
	struct strbuf reply;
	int ret;

	memset(out, 0, sizeof(*out));
	strbuf_init(&reply);
	ret = uapi_call(ifname, req, sizeof(req) - 1, &reply);
	if (!ret)
		ret = wg_uapi_parse(reply.buf, reply.len, out);
	if (!ret && out->has_private_key)
		ret = wg_key_public(out->private_key, out->public_key);
	if (!ret)
		snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
	else
		log_warn("wireguard %s: get over %s failed: %s", ifname, WG_UAPI_DIR, uapi_strerror(ret));
	if (reply.buf)
		explicit_bzero(reply.buf, reply.len);
	strbuf_free(&reply);
	return ret;
}

static int uapi_set(const struct wg_device *delta)
{
	struct strbuf req, reply;
	int ret;

	strbuf_init(&req);
	strbuf_init(&reply);
	ret = wg_uapi_render(&req, delta);
	if (!ret)
		ret = uapi_call(delta->ifname, req.buf, req.len, &reply);
	if (!ret)
		ret = wg_uapi_status(reply.buf, reply.len);
	if (ret)
		log_warn("wireguard %s: set failed: %s", delta->ifname, uapi_strerror(ret));
	if (req.buf)
		explicit_bzero(req.buf, req.len);
	strbuf_free(&req);
	strbuf_free(&reply);
	return ret;
}

static bool uapi_answers(const char *ifname)
{
	int fd;

	if (uapi_connect(ifname, &fd))
		return false;
	close(fd);
	return true;
}

/*
 * wireguard-go creates the TUN device and the listening socket, then forks its daemon
 * and exits 0: when the launcher has exited, the socket answers.
 */
static int spawn_wireguard_go(const char *ifname, const char *wg_go)
{
	char *argv[] = { "wireguard-go", (char *)ifname, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LOG_LEVEL=error", NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret, status;

	if (!wg_go || wg_go[0] != '/') {
		log_error("wireguard %s: WG_GO_PATH must be an absolute path", ifname);
		return -EINVAL;
	}
	ret = posix_spawn_file_actions_init(&fa);
	if (ret)
		return -ret;
	ret = posix_spawn_file_actions_addchdir_np(&fa, "/");
	if (!ret)
		ret = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!ret)
		ret = posix_spawn(&pid, wg_go, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		log_error("wireguard %s: cannot run wireguard-go (WG_GO_PATH %s): %s", ifname, wg_go,
			  strerror(ret));
		return -ret;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == ECHILD)    /* reaped by the caller's SIGCHLD handler: see the socket */
			return 0;
		if (errno != EINTR)
			return -errno;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		log_error("wireguard %s: wireguard-go failed (status %d); it needs /dev/net/tun "
			  "and CAP_NET_ADMIN", ifname, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

static int uapi_ensure(const char *ifname, const char *wg_go)
{
	struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
	struct sockaddr_un sun;
	int ret;

	ret = uapi_addr(ifname, &sun);
	if (ret)
		return ret;
	if (!uapi_answers(ifname)) {
		ret = spawn_wireguard_go(ifname, wg_go);
		if (ret)
			return ret;
		for (int waited = 0; !uapi_answers(ifname); waited += 10) {
			if (waited >= UAPI_START_TIMEOUT_MS) {
				log_error("wireguard %s: %s does not answer", ifname, sun.sun_path);
				return -ETIMEDOUT;
			}
			nanosleep(&pause, NULL);
		}
	}
	/* the socket directory is shared by all network namespaces */
	if (!if_nametoindex(ifname)) {
		log_error("wireguard %s: %s answers but there is no interface %s in this network "
			  "namespace (another namespace uses the name)", ifname, sun.sun_path, ifname);
		return -EADDRINUSE;
	}
	return 0;
}

const struct wg_backend wg_backend_userspace = {
	.name = "userspace",
	.ensure = uapi_ensure,
	.get = uapi_get,
	.set = uapi_set,
};
