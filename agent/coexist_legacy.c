#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter_ipv4/ip_tables.h>

#include "clock.h"
#include "coexist_legacy.h"

#define SPAWN_TIMEOUT_MS 4000
#define SAVE_MAX (16 << 20)

static const char *const env_fixed[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

bool coexist_legacy_loaded(void)
{
	char line[64];
	bool found = false;
	FILE *f = fopen("/proc/net/ip_tables_names", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "filter\n");
	if (f)
		fclose(f);
	return found;
}

/* Only asked when loaded: asking instantiates the table in this namespace. */
uint64_t coexist_legacy_stamp(void)
{
	struct ipt_getinfo info;
	socklen_t len = sizeof(info);
	uint64_t stamp = 0;
	int fd;

	if (!coexist_legacy_loaded())
		return 0;
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return 1;
	memset(&info, 0, sizeof(info));
	strcpy(info.name, "filter");
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) == 0)
		stamp = (uint64_t)info.num_entries << 32 | info.size;
	close(fd);
	return stamp ? stamp : 1;
}

/* The binary in a fixed directory, never from $PATH. */
static const char *binary(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

static int spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int out, int err)
{
	sigset_t none, def;

	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGCHLD);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	if (posix_spawn_file_actions_init(fa))
		return -ENOMEM;
	if (posix_spawnattr_init(attr)) {
		posix_spawn_file_actions_destroy(fa);
		return -ENOMEM;
	}
	/* the agent blocks signals for its signalfd and ignores SIGPIPE: not for the child */
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &def);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(fa, out, 1);
	posix_spawn_file_actions_adddup2(fa, err, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	posix_spawn_file_actions_addclosefrom_np(fa, 3);
#endif
	return 0;
}

/* Reads both pipes until they close or the deadline; out may be NULL (discarded). */
static int collect(int fds[2], struct strbuf *out, struct strbuf *errout, int64_t deadline)
{
	char buf[4096];
	struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
	int open = 2;

	while (open) {
		int64_t left = deadline - clock_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				open--;
				continue;
			}
			if (i == 0 && out && out->len + (size_t)n <= SAVE_MAX)
				strbuf_add(out, buf, (size_t)n);
			else if (i == 1 && errout->len < 1024)
				strbuf_add(errout, buf, (size_t)n);
		}
	}
	return 0;
}

static int reap(pid_t pid, int64_t deadline, bool kill_now)
{
	int status;

	if (kill_now)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t r = waitpid(pid, &status, kill_now ? 0 : WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0 && clock_ms() >= deadline) {
			kill(pid, SIGKILL);
			kill_now = true;
		} else if (r == 0) {
			usleep(1000);
		}
	}
}

/* Runs argv (argv[0] an absolute path). Returns its exit status, or -errno; err has stderr. */
static int run(char *const argv[], struct strbuf *out, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, fds[2], ret, status;
	int64_t deadline = clock_ms() + SPAWN_TIMEOUT_MS;
	struct strbuf errout;
	pid_t pid;

	strbuf_init(&errout);
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		ret = -errno;
		goto out;
	}
	ret = spawn_setup(&fa, &attr, po[1], pe[1]);
	if (ret)
		goto out;
	ret = -posix_spawn(&pid, argv[0], &fa, &attr, argv, (char *const *)env_fixed);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (ret)
		goto out;
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	fds[0] = po[0];
	fds[1] = pe[0];
	ret = collect(fds, out, &errout, deadline);
	status = reap(pid, deadline, ret != 0);
	if (!ret)
		ret = status;
out:
	if (errlen) {
		if (ret == -ETIMEDOUT)
			snprintf(err, errlen, "%s: no answer within %d ms", argv[0], SPAWN_TIMEOUT_MS);
		else if (ret < 0)
			snprintf(err, errlen, "%s: %s", argv[0], strerror(-ret));
		else
			snprintf(err, errlen, "%s: exit %d: %.*s", argv[0], ret,
				 (int)strcspn(errout.buf ? errout.buf : "", "\n"),
				 errout.buf ? errout.buf : "");
	}
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	strbuf_free(&errout);
	return ret;
}

int coexist_legacy_save(struct strbuf *out, char *err, size_t errlen)
{
	char path[64];
	char *argv[] = { NULL, "-t", "filter", NULL };
	int ret;

	argv[0] = (char *)binary("iptables-legacy-save", path, sizeof(path));
	if (!argv[0]) {
		snprintf(err, errlen, "iptables-legacy tables are loaded but iptables-legacy-save "
			 "is not installed: cannot check them");
		return -ENOENT;
	}
	ret = run(argv, out, err, errlen);
	if (ret > 0)
		return -EIO;
	return ret < 0 ? ret : out->err;
}

int coexist_legacy_rule(bool add, const struct coexist_plan_conf *conf, uint32_t mark, uint32_t mask,
		   char *err, size_t errlen)
{
	char path[64], spec[32];
	char *argv[] = { NULL, "-w", "2", "-t", "filter", add ? "-I" : "-D", COEXIST_USER_CHAIN,
			 "-m", "mark", "--mark", spec, "-m", "comment", "--comment",
			 (char *)conf->comment, "-j", "ACCEPT", NULL };
	int ret;

	argv[0] = (char *)binary("iptables-legacy", path, sizeof(path));
	if (!argv[0]) {
		snprintf(err, errlen, "iptables-legacy is not installed");
		return -ENOENT;
	}
	coexist_plan_mark_format(spec, sizeof(spec), mark, mask);
	ret = run(argv, NULL, err, errlen);
	return ret > 0 ? -EIO : ret;
}
