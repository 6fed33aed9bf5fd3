#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "syncer.h"

#define SYNCER_STACK (64u << 10)

static void *syncer_main(void *arg)
{
	struct syncer *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && s->done == s->asked)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop)
			break;
		uint64_t gen = s->asked;
		int fd = s->fd, err;
		pthread_mutex_unlock(&s->mu);
		err = fdatasync(fd) ? errno : 0;
		pthread_mutex_lock(&s->mu);
		if (err && !s->err)
			s->err = err;
		s->done = gen;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Signals stay with the loop's signalfd: the thread blocks them all. */
static bool syncer_start(struct syncer *s, int fd)
{
	sigset_t all, old;
	pthread_attr_t attr;
	bool ok;

	if (pthread_mutex_init(&s->mu, NULL))
		return false;
	if (pthread_cond_init(&s->cv, NULL)) {
		pthread_mutex_destroy(&s->mu);
		return false;
	}
	s->fd = fd;
	s->asked = s->done = 0;
	s->err = 0;
	s->stop = false;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = !pthread_attr_init(&attr);
	if (ok) {
		pthread_attr_setstacksize(&attr, SYNCER_STACK);
		ok = !pthread_create(&s->thread, &attr, syncer_main, s);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ok) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
	}
	return s->up = ok;
}

uint64_t syncer_ask(struct syncer *s, int fd)
{
	uint64_t gen;

	if (!s->up && !syncer_start(s, fd))
		return 0;
	pthread_mutex_lock(&s->mu);
	s->fd = fd;
	gen = ++s->asked;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return gen;
}

int syncer_wait(struct syncer *s, uint64_t gen)
{
	int err;

	pthread_mutex_lock(&s->mu);
	while (s->done < gen)
		pthread_cond_wait(&s->cv, &s->mu);
	err = s->err;
	pthread_mutex_unlock(&s->mu);
	return -err;
}

void syncer_clear(struct syncer *s)
{
	if (!s->up)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->done < s->asked)
		pthread_cond_wait(&s->cv, &s->mu);
	s->err = 0;
	pthread_mutex_unlock(&s->mu);
}

void syncer_stop(struct syncer *s)
{
	if (!s->up)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	s->up = false;
}
