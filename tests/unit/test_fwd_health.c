/* Health checks from the loop: a refused target leaves the rotation, an answering one stays. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "fwd_health.h"

/* A listening socket on loopback; *port gets its port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static struct object *forward(uint16_t up, uint16_t down)
{
	struct object *o = object_new(KIND_FORWARD, "hc");

	o->fwd.public_port = o->fwd.public_port_end = 7000;
	o->fwd.targets = calloc(2, sizeof(*o->fwd.targets));
	o->fwd.n_targets = 2;
	inet_pton(AF_INET, "127.0.0.1", &o->fwd.targets[0].ip);
	inet_pton(AF_INET, "127.0.0.1", &o->fwd.targets[1].ip);
	o->fwd.targets[0].port = up;
	o->fwd.targets[1].port = down;
	o->fwd.health = (struct fwd_health_spec){ 100, 50, 2, 1 };
	return o;
}

/* Runs the checks until want holds or 10 s of checking pass (a bound, not a measure). */
static bool run_until(struct fwd_health *h, struct store *st, struct slot *s, uint64_t want)
{
	int64_t end = clock_ms() + 10000;

	while (s->down != want && clock_ms() < end) {
		fwd_health_run(h, st, clock_ms());
		usleep(5000);
	}
	return s->down == want;
}

int main(void)
{
	static const char *names[] = { "gw1" };
	struct fwd_health h = { 0 };
	uint16_t up, down;
	int lfd = listener(&up), dfd = listener(&down);
	struct store st;
	struct slot *s;

	if (lfd < 0 || dfd < 0) {
		puts("SKIP test_fwd_health: no loopback socket");
		return 77;
	}
	close(dfd);     /* a port nothing listens on: refused */
	store_init(&st, names, 1);
	store_put(&st, KIND_FORWARD, 0, "hc", forward(up, down), NULL, 1, 0);
	store_resolve(&st);
	store_take_touched(&st);
	s = store_get(&st, KIND_FORWARD, "hc");
	CHECK("update: one forward checked", fwd_health_update(&h, s, clock_ms()) == 0 &&
	      h.checks.n == 1 && h.due_ms);
	CHECK("the refused target leaves the rotation, the answering one stays", run_until(&h, &st, s, 2));
	CHECK("the change marks the slot for the reconcile path", s->dirty);
	store_resolve(&st);
	CHECK("the status lists it", s->status.checked == s->want && s->status.down == 2);
	close(lfd);
	CHECK("both refused: both down (the render keeps all: fail open)", run_until(&h, &st, s, 3));
	lfd = listener(&up);
	store_put(&st, KIND_FORWARD, 0, "hc", forward(up, down), NULL, 1, 0);
	store_resolve(&st);
	CHECK("a new version of the forward starts from all up", s->down == 0);
	fwd_health_update(&h, s, clock_ms());
	CHECK("... and is checked again", run_until(&h, &st, s, 2));
	store_delete(&st, KIND_FORWARD, 0, "hc");
	store_resolve(&st);
	fwd_health_update(&h, s, clock_ms());
	CHECK("a forward gone: its checks go, nothing in flight", h.checks.n == 0 && h.inflight == 0 &&
	      !h.due_ms);
	close(lfd);
	fwd_health_free(&h);
	store_free(&st);
	return CHECK_DONE();
}
