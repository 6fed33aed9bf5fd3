#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "health.h"

int health_write(const char *dir, bool connected, bool synced, size_t n_errors, time_t now)
{
	char buf[256], err[256];
	int n;

	n = snprintf(buf, sizeof(buf), "{\"pid\":%ld,\"time\":%lld,\"connected\":%s,\"synced\":%s,\"errors\":%zu}\n",
		     (long)getpid(), (long long)now, connected ? "true" : "false",
		     synced ? "true" : "false", n_errors);
	return fileio_write_atomic(dir, HEALTH_FILE, buf, (size_t)n, 0644, err, sizeof(err));
}

int health_check(const char *dir, time_t now)
{
	json_object *o = NULL, *v;
	char *buf = NULL;
	size_t len;
	long long t = 0;
	long pid = 0;
	int ret = 2;

	if (fileio_read(dir, HEALTH_FILE, &buf, &len, 4096)) {
		printf("unhealthy: no %s/%s (is the agent running?)\n", dir, HEALTH_FILE);
		return 2;
	}
	o = json_tokener_parse(buf);
	if (o && json_object_object_get_ex(o, "time", &v))
		t = json_object_get_int64(v);
	if (o && json_object_object_get_ex(o, "pid", &v))
		pid = (long)json_object_get_int64(v);
	if (!o || now - t > HEALTH_MAX_AGE_S) {
		printf("unhealthy: the agent's last sign of life is %lld s old\n", now - t);
		goto out;
	}
	if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH) {
		printf("unhealthy: the agent (pid %ld) is not running\n", pid);
		goto out;
	}
	ret = 1;
	if (!json_object_object_get_ex(o, "connected", &v) || !json_object_get_boolean(v)) {
		printf("degraded: not connected to the broker (forwards and routes keep working)\n");
		goto out;
	}
	if (!json_object_object_get_ex(o, "synced", &v) || !json_object_get_boolean(v)) {
		printf("degraded: connected, retained replay not complete (or a deletion is held)\n");
		goto out;
	}
	ret = 0;
	printf("healthy: connected and synced\n");
out:
	json_object_put(o);
	free(buf);
	return ret;
}
