/* The object a put publishes, built from the command line and checked as the agent would. */
#ifndef EDGECTL_SPEC_H
#define EDGECTL_SPEC_H

#include "ctl.h"

struct policy;

/*
 * The payload a put publishes, checked with the agent's own payload_parse under a policy
 * that knows no node: syntax, ranges, host names, URL shape and the addresses no node ever
 * accepts. ALLOWED_TARGETS and RESERVED_PORTS are each node's and are checked there.
 * Returns 0 and *json (caller frees), or -EINVAL with the agent's message in err.
 */
int spec_build(const struct ctl_args *a, char **json, char *err, size_t errlen);
/* The node-independent policy above (free with spec_policy_free). */
int spec_policy(struct policy *pol);
void spec_policy_free(struct policy *pol);
/* One line describing a parsed object: "a.example.com -> http://10.0.0.1:80". */
void spec_describe(const struct object *o, char *buf, size_t len);

#endif
