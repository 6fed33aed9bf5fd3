/*
 * Named address sets: retained "<prefix>/<node or group>/sets/<set-id>" = {"cidrs": [...]},
 * resolved by source precedence like objects, and the objects that use them. Objects name
 * a set as "@<set-id>" (routes' allow_from today). A set change replays exactly the
 * messages of the objects that use it, through the one message path. Pure data.
 */
#ifndef EDGE_SETS_H
#define EDGE_SETS_H

#include "hmap.h"
#include "model.h"

#define SET_CIDRS_MAX 100000
#define SET_PAYLOAD_MAX 4194304  /* 100,000 IPv4 networks fit; the MQTT packet bound follows */
#define SET_ROUTE_MAX 1024       /* networks of a set a route may name (Traefik lists them) */

struct sets {
	unsigned version;   /* last version handed out */
	struct hmap sets;   /* set id -> struct named_set */
	struct hmap users;  /* "<kind>/<source>/<id>" -> struct set_user */
};

/* An object message that names sets, kept to be replayed when one of them changes. */
struct set_user {
	enum kind kind;
	int source;
	char id[ID_LEN];
	char *payload;
	size_t len;
	unsigned gen;
	char **set_ids;
	size_t n_sets;
	char key[];
};

void sets_init(struct sets *ss);
void sets_free(struct sets *ss);

/* Parses a set payload into *out: 0, or -EINVAL/-ENOMEM with "set <id>: ..." in err. */
int sets_parse(const char *id, const char *buf, size_t len, struct cidr_list *out,
	       char *err, size_t errlen);

/*
 * Stores source's set id (taking l's contents; l is emptied), or deletes it when l is
 * NULL. Returns 1 when the set in effect for id changed, 0 when not, or -ENOMEM.
 */
int sets_put(struct sets *ss, int source, const char *id, struct cidr_list *l, unsigned gen);
/* The set in effect for id: the highest-ranked source's; NULL when none has it. */
const struct cidr_list *sets_get(const struct sets *ss, const char *id);
/* Changes whenever the set in effect for id does; 0 when there is none. */
unsigned sets_version(const struct sets *ss, const char *id);

/*
 * Records that the message (kind, source, id) names these sets (n 0: forget it). The
 * payload is copied.
 */
int sets_use(struct sets *ss, enum kind kind, int source, const char *id, const char *payload,
	     size_t len, char *const *set_ids, size_t n, unsigned gen);
/*
 * The users of set_id, copied out (the caller frees with sets_users_free) so that replaying
 * them may call sets_use.
 */
int sets_users_of(const struct sets *ss, const char *set_id, struct set_user ***out, size_t *n);
void sets_users_free(struct set_user **v, size_t n);

/*
 * End of a resync: drops sets and users not delivered in gen. The ids of sets whose
 * effect changed are appended to *changed (caller frees each and the array).
 */
int sets_sweep(struct sets *ss, unsigned gen, char ***changed, size_t *n_changed);

/*
 * One "@<set-id>" of an object's allow_from (name: the field, "allow_from[2]"): the id is
 * checked and appended to ids (sized by the caller), a repeat is refused, and under a
 * policy that knows the sets, *set is the set in effect or the object is refused because it
 * is not published. 0, or -EINVAL/-ENOMEM with the error in c.
 */
struct field_ctx;
int sets_ref(const struct field_ctx *c, const char *name, const char *id, size_t n,
	     char **ids, size_t *n_ids, const struct cidr_list **set);

/*
 * The sets as DATA_DIR keeps them (sets.txt), so that objects naming them come back on a
 * boot without the broker. sets_restore puts them with generation 0 (swept unless the
 * broker delivers them again); sources not in names are skipped and counted in err.
 */
struct strbuf;
int sets_dump(const struct sets *ss, const char *const *names, size_t n_names, struct strbuf *sb);
int sets_restore(struct sets *ss, const char *const *names, size_t n_names, const char *buf,
		 size_t len, char *err, size_t errlen);

/* The "@<set-id>" names in an object payload's allow_from, for a payload that failed. */
int sets_refs_of(const char *buf, size_t len, char ***ids, size_t *n);
void sets_ids_free(char **ids, size_t n);

#endif
