#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "table.h"

int table_init(struct table *t, size_t cols, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	return table_add(t, header);
}

static char *cell_copy(const char *s)
{
	char *c = strdup(s && *s ? s : "-");

	for (char *p = c; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

int table_add(struct table *t, const char *const *row)
{
	char **v = array_grow(t->cells, &t->cap, t->rows + 1, t->cols * sizeof(*v), 16);

	if (!v)
		return -ENOMEM;
	t->cells = v;
	for (size_t c = 0; c < t->cols; c++) {
		char *s = cell_copy(row[c]);
		if (!s) {
			while (c--)
				free(t->cells[t->rows * t->cols + c]);
			return -ENOMEM;
		}
		t->cells[t->rows * t->cols + c] = s;
	}
	t->rows++;
	return 0;
}

void table_print(const struct table *t, FILE *out)
{
	size_t width[t->cols ? t->cols : 1];

	memset(width, 0, sizeof(width));
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++) {
			size_t n = strlen(t->cells[r * t->cols + c]);
			if (n > width[c])
				width[c] = n;
		}
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			const char *s = t->cells[r * t->cols + c];
			if (c + 1 == t->cols)
				fprintf(out, "%s\n", s);
			else
				fprintf(out, "%-*s  ", (int)width[c], s);
		}
	}
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
