#include "agent.h"

int main(int argc, char **argv)
{
	static struct agent a;
	int ret = agent_init(&a, argc, argv);

	if (ret == 0)
		ret = agent_run(&a);
	else
		ret = ret == 1 ? 0 : 2;     /* 1: --help or --version */
	agent_free(&a);
	return ret;
}
