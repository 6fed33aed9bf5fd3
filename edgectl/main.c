#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "status.h"

/* The broker options go through the agent's own parser: same names, defaults, checks. */
static int load_config(struct config *cfg, const struct ctl_args *a, char *err, size_t errlen)
{
	char *argv[MQTT_ARGS_MAX + 2] = { "edgectl", "--node-id=edgectl" };
	int argc = 2;

	for (int i = 0; i < a->mqtt_argc; i++)
		argv[argc++] = a->mqtt_argv[i];
	return config_load(cfg, argc, argv, err, errlen);
}

int main(int argc, char **argv)
{
	struct ctl_args a;
	struct config cfg;
	char err[ERR_LEN];
	int ret;

	ret = cli_args_parse(&a, argc, argv, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "edgectl: %s\n", err);
		cli_args_free(&a);
		return ret;
	}
	if (a.cmd == CMD_HELP || a.cmd == CMD_VERSION) {
		if (a.cmd == CMD_HELP)
			cli_usage(stdout);
		else
			printf("edgectl %s\n", EDGE_VERSION);
		cli_args_free(&a);
		return EXIT_OK;
	}
	if (load_config(&cfg, &a, err, sizeof(err))) {
		fprintf(stderr, "edgectl: %s\n", err);
		cli_args_free(&a);
		return EXIT_ERROR;
	}
	switch (a.cmd) {
	case CMD_PUT:
	case CMD_RM:
		ret = cmd_put(&a, &cfg);
		break;
	case CMD_LS:
		ret = cmd_ls(&a, &cfg);
		break;
	default:
		ret = cmd_status(&a, &cfg);
		break;
	}
	config_free(&cfg);
	cli_args_free(&a);
	return ret;
}
