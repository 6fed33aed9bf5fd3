/* edgectl's command line: argv into struct ctl_args, and the usage text. */
#ifndef EDGECTL_CLI_H
#define EDGECTL_CLI_H

#include "ctl.h"

/*
 * Parses argv. Returns 0, or an exit code with err set: EXIT_ERROR for usage mistakes,
 * EXIT_REJECTED for a bad node, group or object id.
 */
int cli_args_parse(struct ctl_args *a, int argc, char **argv, char *err, size_t errlen);
void cli_args_free(struct ctl_args *a);
void cli_usage(FILE *out);

#endif
