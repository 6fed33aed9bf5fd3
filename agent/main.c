#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "health.h"

/* `edge-agent health [--data-dir D]`: for container and systemd health checks. */
static int health_main(int argc, char **argv)
{
	const char *dir = getenv("DATA_DIR") ? getenv("DATA_DIR") : "/data";

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strncmp(argv[i], "--data-dir=", 11) == 0)
			dir = argv[i] + 11;
	}
	return health_check(dir, time(NULL));
}

int main(int argc, char **argv)
{
	static struct agent a;
	int ret;

	if (argc > 1 && strcmp(argv[1], "health") == 0)
		return health_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "cleanup") == 0)
		return agent_cleanup(argc - 1, argv + 1);
	ret = agent_init(&a, argc, argv);
	if (ret == 0)
		ret = agent_run(&a);
	else
		ret = ret == 1 ? 0 : 2;     /* 1: --help or --version */
	agent_free(&a);
	return ret;
}
