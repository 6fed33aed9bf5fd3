/* Text tables: columns as wide as their widest cell, two spaces apart. Pure. */
#ifndef EDGECTL_TABLE_H
#define EDGECTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table {
	size_t cols;
	char **cells;           /* rows * cols, row 0 is the header */
	size_t rows;
	size_t cap;
};

int table_init(struct table *t, size_t cols, const char *const *header);
/* Copies the row; control characters become '?'. NULL cells print as "-". */
int table_add(struct table *t, const char *const *row);
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);

#endif
